// Values pasted into SQL (ctx values, a sensor's watched value) are values: they may not end a
// string literal or a statement, start a comment, or carry control characters.
export const UNSAFE_IN_SQL = /['"`\\;]|--|\/\*|[\u0000-\u001f\u007f]/;

const NAMES: [RegExp, string][] = [
  [/'/, "a single quote (')"],
  [/"/, 'a double quote (")'],
  [/`/, 'a backtick (`)'],
  [/\\/, 'a backslash (\\)'],
  [/;/, 'a semicolon (;)'],
  [/--/, 'a comment marker (--)'],
  [/\/\*/, 'a comment marker (/*)'],
  [/[\u0000-\u001f\u007f]/, 'a control character'],
];

/** What makes the value unsafe, e.g. "a semicolon (;)"; undefined when it is safe. */
export function unsafeInSql(value: string): string | undefined {
  if (!UNSAFE_IN_SQL.test(value)) return undefined;
  return NAMES.find(([re]) => re.test(value))?.[1] ?? 'a character that is not allowed';
}

export const CTX_VALUE_FIX =
  'ctx values are pasted into the SQL as they are: pass a plain value and write the quotes in inputQuery (WHERE ds = \'{ds}\'); for a table or column name write the placeholder inside double quotes ("{table}")';
