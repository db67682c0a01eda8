// The API's JSON body parser: a key that would reach an object's prototype is refused as what it is
// (naming where it is), and text that is not JSON is told apart from it.
import { badRequest } from './errors.js';

/** No request this API takes nests deeper; a deeper body is refused instead of exhausting the stack. */
export const MAX_DEPTH = 64;

/** Where a key would reach an object's prototype, walked without recursion (the depth is the caller's). */
function forbiddenKeys(body: unknown): string[] {
  const found: string[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value: body, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length > MAX_DEPTH)
      throw badRequest([{ field: '(body)', message: `nests deeper than ${MAX_DEPTH} levels; send a flatter body` }]);
    for (const key of Object.keys(value)) {
      const here = [...path, key];
      // JSON.parse keeps "__proto__" as a plain own key; a later Object.assign would not.
      const child = (value as Record<string, unknown>)[key];
      const reachesPrototype =
        key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child);
      if (reachesPrototype) found.push(here.join('.'));
      stack.push({ value: child, path: here });
    }
  }
  return found.reverse();
}

export function parseJsonBody(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest([{ field: '(body)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  const keys = forbiddenKeys(body);
  if (keys.length) {
    throw badRequest(
      keys.map((field) => ({
        field,
        message: `"${field.split('.').at(-1)}" is not allowed as a key (it names an object's prototype); remove or rename it`,
      })),
    );
  }
  return body;
}
