// Scores a chunk's record batches with its predictor, within the chunk's bounds. Module predictors
// (BATCH_PREDICTORS and the built-ins) run in a pooled thread that is terminated when a call times
// out, is cancelled or goes over its memory limit. A predictor injected in code as a function can
// only run here, on the worker's main thread: a call is given up on at the deadline or cancel, so
// the activity ends and frees its slot, but the abandoned call is left running — a function that
// never yields (a busy loop) still blocks the worker. Only module predictors are isolated.
import { CancelledFailure } from '@temporalio/activity';
import * as arrow from 'apache-arrow';
import { PredictorCrashError, PredictorMemoryError, PredictorTimeoutError, type ChunkPlace } from '../errors.js';
import { normalizeOutput, type FiniteCheck, type OutputColumn } from '../normalizeOutput.js';
import type { Predictor, PredictorContext } from '../types.js';
import { bounded, type CallBounds } from './bounded.js';
import { type PredictorThread, ThreadEndedError, type PredictorThreads } from './predictorThreads.js';
import { fromThreadError } from './protocol.js';

/** Where a module predictor comes from, for loading it inside a thread. */
export interface ModulePredictorSource {
  moduleUrl: string;
  exportName: string;
  /**
   * When set, the export is a factory: the thread calls it once with this (JSON-serialisable) value
   * and scores with the Predictor it resolves to (e.g. an ONNX session opened in the thread).
   */
  init?: unknown;
  /**
   * The predictor's work runs outside the thread (a Python model's process) and it stops that work
   * on a chunk stop (chunkThreads/threadHooks.ts): a chunk thread is never terminated for it.
   */
  stopsItself?: boolean;
  /**
   * Calls may overlap by one: on a chunk thread the next batch is sent before the previous answer is
   * written (a Python model's process scores batch n+1 while the thread writes batch n). Such a
   * predictor keeps each answer intact until its batch is written (threadHooks.onBatchWritten).
   */
  pipelined?: boolean;
}

export interface ScorerOptions {
  predictor: string;
  place: ChunkPlace;
  /** The spec's timeoutPerBatch, in seconds, for messages. */
  timeoutPerBatch: number;
  required?: string[];
  bounds: CallBounds;
}

export interface BatchScorer {
  /**
   * True when score() has copied the batch by the time it returns, so the next batch may be read
   * (into the same buffers) while this one is scored.
   */
  readonly copiesInput: boolean;
  /** The batch's predictions, checked (`finite` when NaN and ±Infinity are refused). */
  score(features: arrow.Table, context: PredictorContext, finite?: FiniteCheck): Promise<OutputColumn[]>;
  /** Gives the thread back to the pool (when it is still healthy). */
  close(): void;
}

export function stoppedError(stopped: 'timeout' | 'cancelled', options: ScorerOptions): Error {
  return stopped === 'timeout'
    ? new PredictorTimeoutError(options.place, options.predictor, options.timeoutPerBatch)
    : new CancelledFailure(`${options.predictor} stopped: the chunk was cancelled`);
}

/**
 * The answer of a call to a thread (a predictor thread's batch, a chunk thread's chunk) within the
 * chunk's bounds. A thread that ended first throws PredictorMemoryError (over maxMemoryMb) or
 * PredictorCrashError; at the deadline or a cancel, `stop` is called (not awaited) and
 * PredictorTimeoutError or a CancelledFailure is thrown. The same errors for both kinds of thread.
 */
export async function threadAnswer<T>(call: Promise<T>, options: ScorerOptions, maxMemoryMb: number, stop: () => void): Promise<T> {
  let result;
  try {
    result = await bounded(call, options.bounds);
  } catch (err) {
    if (!(err instanceof ThreadEndedError)) throw err;
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') throw new PredictorMemoryError(options.place, options.predictor, maxMemoryMb);
    throw new PredictorCrashError(options.place, options.predictor, err.exitCode, err.reason);
  }
  if ('stopped' in result) {
    call.catch(() => {}); // rejects when the thread is terminated: nobody waits for it any more
    stop();
    throw stoppedError(result.stopped, options);
  }
  return result.value;
}

/** A function on the main thread: bounded in time, not isolated. */
export function inProcessScorer(predict: Predictor, options: ScorerOptions): BatchScorer {
  return {
    copiesInput: false,
    async score(features, context, finite) {
      const result = await bounded(
        Promise.resolve().then(() => predict(features, context)),
        options.bounds,
      );
      if ('stopped' in result) throw stoppedError(result.stopped, options);
      return normalizeOutput(options.predictor, result.value, features.numRows, options.required, finite);
    },
    close() {},
  };
}

/** A module predictor in a pooled thread: terminated and replaced when it is stopped. */
export function threadScorer(source: ModulePredictorSource, threads: PredictorThreads, options: ScorerOptions): BatchScorer {
  // Taken now, not at the first batch: a new thread starts up while the chunk is downloaded and read.
  let thread: PredictorThread | undefined = threads.acquire();
  // Not awaited: the activity reports at once and frees its slot while V8 stops the thread.
  const drop = () => {
    const t = thread;
    thread = undefined;
    t?.terminate().catch(() => {});
  };
  return {
    copiesInput: true,
    async score(features, context, finite) {
      thread ??= threads.acquire();
      const call = thread.score({
        predictor: options.predictor,
        moduleUrl: source.moduleUrl,
        exportName: source.exportName,
        init: source.init,
        ipc: arrow.tableToIPC(features, 'stream'),
        context,
        required: options.required,
        finite,
      });
      const reply = await threadAnswer(call, options, threads.maxMemoryMb, drop).catch((err: unknown) => {
        // Ended, stopped, or the batch never reached it: a thread in an unknown state is not reused.
        drop();
        throw err;
      });
      if (!reply.ok) throw fromThreadError(reply.error);
      return reply.columns;
    },
    close() {
      // A thread still scoring (the chunk failed while a batch was out) is not reused.
      if (thread?.busy) drop();
      else if (thread) threads.release(thread);
      thread = undefined;
    },
  };
}

/** The chunk's scorer: in a thread when the predictor comes from a module and the worker has threads. */
export function scorerFor(
  predictor: { predict: Predictor; source?: ModulePredictorSource; threads?: PredictorThreads },
  options: ScorerOptions,
): BatchScorer {
  return predictor.source && predictor.threads
    ? threadScorer(predictor.source, predictor.threads, options)
    : inProcessScorer(predictor.predict, options);
}
