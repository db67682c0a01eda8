// Renders the SQL template: {name} and {{name}} are the same placeholder.
// {schema} is built in; every other name must come from ctx. Unknown names fail before any query runs.

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;

export type TemplateValue = string | number | boolean;

export interface RenderResult {
  sql: string;
  unknown: string[];
}

export function renderSql(template: string, values: Record<string, TemplateValue>): RenderResult {
  const unknown = new Set<string>();
  const sql = template.replace(PLACEHOLDER, (match, doubled?: string, single?: string) => {
    const name = (doubled ?? single) as string;
    if (!(name in values)) {
      unknown.add(name);
      return match;
    }
    return String(values[name]);
  });
  return { sql, unknown: [...unknown] };
}

export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? m[2]))];
}
