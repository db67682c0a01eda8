// Scores a chunk's record batches with a Python model: each batch goes to a pooled Python process as
// an Arrow IPC stream and comes back as one, then is checked like any predictor's output
// (normalizeOutput). Bounded like the thread scorer: at the deadline or on cancel the process is
// killed and the activity ends; the call is awaited, so the activity heartbeats while Python computes.
import * as arrow from 'apache-arrow';
import { normalizeOutput } from '../normalizeOutput.js';
import { encodedIpc } from '../../scoring/encodedIpc.js';
import { bounded } from '../isolation/bounded.js';
import { stoppedError, type BatchScorer, type ScorerOptions } from '../isolation/batchScorer.js';
import { chooseFunction } from './describe.js';
import { PythonProcessDiedError } from './errors.js';
import { answerTable } from './pythonAnswer.js';
import type { PythonModelSource } from './modelSource.js';
import type { PythonPool } from './pythonPool.js';
import type { BatchStats, PythonProcess } from './pythonProcess.js';

export interface PythonScorerModel {
  source: PythonModelSource;
  /** The function to run; `predict` (or the module's only function) when absent. */
  functionName?: string;
  /** Pool key: processes are shared by chunks of the same key (e.g. the model's name@version). */
  key?: string;
  /** Called with the Python side's timings of each batch (benchmarks, logs). */
  onBatch?: (stats: BatchStats & { roundTripMs: number }) => void;
}

export function pythonScorer(model: PythonScorerModel, pool: PythonPool, options: ScorerOptions): BatchScorer {
  // Taken now, not at the first batch: a new process imports the module while the chunk is downloaded.
  let process: PythonProcess | undefined = pool.acquire(model.source, model.key);
  // Only the process this call used: a later batch may already have started a fresh one.
  const drop = (used: PythonProcess) => {
    used.kill();
    if (process === used) process = undefined;
  };
  return {
    copiesInput: true,
    async score(features, _context, finite) {
      process ??= pool.acquire(model.source, model.key);
      const current = process;
      // Encoded (or its bytes as read) before the first await; they are written to the process's batch
      // file once it is ready, before the caller reads the batch after the next one (OneAhead) into them.
      const ipc = encodedIpc(features) ?? arrow.tableToIPC(features, 'stream');
      const started = performance.now();
      const call = current.ready.then((info) => current.score(chooseFunction(info, model.source.modulePath, model.functionName), ipc));
      let result;
      try {
        result = await bounded(call, options.bounds);
      } catch (err) {
        // Died: retryable, and the next batch or chunk gets a fresh process. Anything else (no
        // interpreter, an import error, an unknown function): the process is of no further use either.
        drop(current);
        if (err instanceof PythonProcessDiedError) throw err.at(options.place, options.predictor);
        throw err;
      }
      if ('stopped' in result) {
        call.catch(() => {}); // rejects once the process is killed: nobody waits for it any more
        drop(current);
        throw stoppedError(result.stopped, options);
      }
      const answer = result.value;
      if (answer.ok) model.onBatch?.({ ...answer.stats, roundTripMs: performance.now() - started });
      const output = answerTable(answer, options.place, options.predictor, () => drop(current));
      return normalizeOutput(options.predictor, output, features.numRows, options.required, finite);
    },
    close() {
      const p = process;
      process = undefined;
      if (p) pool.release(p); // a process still scoring (the chunk failed while a batch was out) is killed there
    },
  };
}
