// The messages between the scoring activity and a predictor thread. A batch goes over as one Arrow
// IPC stream whose buffer is transferred (one memcpy of each column buffer when it is written, no
// per-value copies); the predictions come back as the typed columns normalizeOutput makes, with
// their buffers transferred.
import type { FiniteCheck, OutputColumn } from '../normalizeOutput.js';
import type { PredictorContext } from '../types.js';
import { NonRetryableError } from '../../nonRetryableError.js';

export interface ScoreRequest {
  id: number;
  /** The registered name, for messages. */
  predictor: string;
  moduleUrl: string;
  exportName: string;
  /** The factory's argument when the export is a factory (ModulePredictorSource.init). */
  init?: unknown;
  /** The record batch as an Arrow IPC stream. */
  ipc: Uint8Array;
  context: PredictorContext;
  required?: string[];
  finite?: FiniteCheck;
}

/** An error thrown in the thread, sent as data: its name decides retries at the activity edge. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own fields (e.g. column and row of a NonFiniteOutputError). */
  fields: Record<string, unknown>;
  /** A NonRetryableError in the thread stays one on this side: a retry would meet the same output. */
  nonRetryable?: boolean;
}

export type ScoreReply = { id: number; ok: true; columns: OutputColumn[] } | { id: number; ok: false; error: ThreadError };

export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    // Only plain data crosses; anything that cannot be cloned is left out rather than failing the reply.
    try {
      structuredClone(value);
      fields[key] = value;
    } catch {
      /* not cloneable */
    }
  }
  return { name: err.name, message: err.message, stack: err.stack, fields, nonRetryable: err instanceof NonRetryableError };
}

/** The thread's error again, on this side, with the same name and fields. */
export function fromThreadError(error: ThreadError): Error {
  const err = Object.assign(error.nonRetryable ? new NonRetryableError(error.message) : new Error(error.message), error.fields);
  err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}
