// A spec travels in the run's history: as the workflow's input and again as prepareRun's. Temporal
// refuses a payload above 2 MB (the dev server and Temporal Cloud alike), and only after the client
// has retried for a while; 1 MiB of spec JSON leaves room for the rest of the start request and keeps
// history small, and is refused at once here, naming the limit.
import { SpecError } from './errors.js';

export const MAX_SPEC_BYTES = 1024 * 1024;

/** Throws SpecError when the spec, as JSON, is above MAX_SPEC_BYTES. */
export function checkSpecSize(spec: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(spec) ?? '', 'utf8');
  if (bytes <= MAX_SPEC_BYTES) return;
  const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
  throw new SpecError([
    {
      field: '(spec)',
      message: `the spec is ${mb(bytes)} MiB as JSON, above the limit of 1 MiB (${MAX_SPEC_BYTES} bytes) that a run's input may have; keep large SQL in the warehouse (a view or table) and large values out of ctx`,
    },
  ]);
}
