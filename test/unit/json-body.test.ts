// The HTTP API's JSON body parser (src/doors/http/jsonBody.ts): hostile bodies get a 400, never a 500.
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parseJsonBody } from '../../src/doors/http/jsonBody.js';
import { HttpError } from '../../src/doors/http/errors.js';

const refusal = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('JSON bodies', () => {
  it('refuses a body nested 200,000 deep with a 400 naming the limit, not a stack overflow', () => {
    const err = refusal('['.repeat(200_000) + ']'.repeat(200_000));
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    expect((err as HttpError).message).toMatch(`nests deeper than ${MAX_DEPTH} levels`);
  });

  it('takes a body nested as deep as the limit', () => {
    const text = '{"a":'.repeat(MAX_DEPTH) + '1' + '}'.repeat(MAX_DEPTH);
    expect(refusal(text)).toBeUndefined();
  });

  it('names every key that reaches a prototype, where it is', () => {
    const err = refusal('{"input":{"__proto__":{"x":1}},"config":{"constructor":{"prototype":{}}}}') as HttpError;
    expect(err.status).toBe(400);
    expect(err.body.problems!.map((p: { field: string }) => p.field).sort()).toEqual(['config.constructor', 'input.__proto__']);
  });
});
