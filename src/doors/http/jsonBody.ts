// The API's JSON body parser: a key that would reach an object's prototype is refused as what it is
// (naming where it is), and text that is not JSON is told apart from it.
import { badRequest } from './errors.js';

function forbiddenKeys(value: unknown, path: string[] = []): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const here = [...path, key];
    // JSON.parse keeps "__proto__" as a plain own key; a later Object.assign would not.
    const child = (value as Record<string, unknown>)[key];
    const reachesPrototype =
      key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child);
    const bad = reachesPrototype ? [here.join('.')] : [];
    return [...bad, ...forbiddenKeys(child, here)];
  });
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
