// A Python model's function on a chunk thread: the thread reads the chunk, sends each batch's Arrow IPC
// bytes (as the reader encoded them) to a Python process of its own and writes the checked answer, so a worker's chunks move their data
// on as many cores as it has chunk threads, and the main thread (whose large heap made every
// collection of those buffers slow) moves none of it (issue 13). The model's code runs in the Python
// process, never in the thread. Each thread keeps its processes in a pool of its own: a stopped chunk
// kills its process, and the pool is closed before the thread ends (threadHooks.ts), so that the
// thread's event loop reaps them; a thread that ends anyway (a crash) takes them with it: the runner
// dies with the thread that started it (PR_SET_PDEATHSIG).
import * as arrow from 'apache-arrow';
import { chooseFunction } from '../../predictors/python/describe.js';
import { PythonProcessDiedError } from '../../predictors/python/errors.js';
import { answerTable } from '../../predictors/python/pythonAnswer.js';
import type { PythonModelSource } from '../../predictors/python/modelSource.js';
import { PythonPool } from '../../predictors/python/pythonPool.js';
import type { PythonProcess } from '../../predictors/python/pythonProcess.js';
import type { Predictor } from '../../predictors/types.js';
import { encodedIpc } from '../../scoring/encodedIpc.js';
import { onBatchWritten, onChunkEnd, onChunkStop, onThreadClose } from '../../scoring/chunkThreads/threadHooks.js';

/** What the main thread passes to a chunk thread for one Python function (plain JSON). */
export interface PythonThreadInit {
  source: PythonModelSource;
  functionName: string;
  /** Pool key: the model's name@version. */
  key: string;
  /** name@version, for messages. */
  ref: string;
  /** BATCH_PYTHON. */
  python: string;
  /** BATCH_PYTHON_MAX_RSS_MB: a process above it is replaced before the next batch. */
  maxRssMb: number;
}

/** This thread's processes; one chunk at a time runs here, so one idle process per model is enough. */
let pool: PythonPool | undefined;

export async function pythonThreadPredictor(init: PythonThreadInit): Promise<Predictor> {
  if (!pool) {
    // Answers land in the process's two reused buffers, each handed back once its batch is written.
    const created = new PythonPool({ python: init.python, maxRssMb: init.maxRssMb, maxIdle: 1, reuseAnswerBuffer: true });
    onThreadClose(() => created.close());
    pool = created;
  }
  const threadPool = pool;
  // One process for the whole chunk; back to the pool when the chunk ends (and replaced then when it
  // went over BATCH_PYTHON_MAX_RSS_MB), so load() runs once per process, not once per batch.
  let held: PythonProcess | undefined;
  // Releases of the answers not yet written, oldest first (the chunk's loop writes batches in order).
  const unwritten: (() => void)[] = [];
  onBatchWritten(() => unwritten.shift()?.());
  onChunkEnd(() => {
    for (const release of unwritten.splice(0)) release();
    // A process with a call still out (a chunk that failed with its next batch sent) is killed, not kept.
    if (held) threadPool.release(held);
    held = undefined;
  });
  return async (table, context) => {
    const process = (held ??= threadPool.acquire(init.source, init.key));
    const place = { worker: context.worker, chunk: context.chunk };
    // A stopped chunk (timeoutPerBatch, cancel) kills its process here and stops waiting for it at
    // once: the thread, whose event loop reaps the process, stays.
    let stopped!: (err: Error) => void;
    const stop = new Promise<never>((_, reject) => (stopped = reject));
    stop.catch(() => {});
    const unregister = onChunkStop(() => {
      process.kill();
      stopped(new Error('the chunk was stopped'));
    });
    let answer;
    try {
      const call = (async () => {
        const name = chooseFunction(await process.ready, init.source.modulePath, init.functionName);
        return process.score(name, encodedIpc(table) ?? arrow.tableToIPC(table, 'stream'));
      })();
      call.catch(() => {}); // rejects once the process is killed: nobody waits for it any more
      answer = await Promise.race([call, stop]);
    } catch (err) {
      process.kill();
      // Only if still this chunk's: a call left over from a failed chunk (its next batch was out) fails
      // once the next chunk may hold a process of its own.
      if (held === process) held = undefined;
      if (err instanceof PythonProcessDiedError) throw err.at(place, init.ref);
      throw err;
    } finally {
      unregister();
    }
    // An answer from a process the chunk no longer holds (a call left over from a failed chunk) is never
    // written: released at once, not queued, where it would hold back the next chunk's releases.
    if (answer.ok && held !== process) answer.release?.();
    else if (answer.ok) unwritten.push(answer.release ?? (() => {}));
    return answerTable(answer, place, init.ref, () => {
      process.kill();
      if (held === process) held = undefined;
    });
  };
}
