// An ONNX model's function inside a predictor thread: onnxruntime runs a graph synchronously, so it
// must run where the worker can stop it (terminating the thread) at timeoutPerBatch, on cancel or on
// shutdown. The thread entry calls this factory once per (artifact, function) with the JSON `init`
// the main thread put in the function's source, and reuses the Predictor for every later batch.
import type { ModelFunction } from '../modelJson.js';
import type { Predictor } from '../../predictors/types.js';
import { openSession, sessionPredictor } from './onnx.js';

/** What the main thread passes to a predictor thread for one ONNX function (plain JSON). */
export interface OnnxThreadInit {
  /** The verified local copy of the artifact in the worker's model cache. */
  file: string;
  /** name@version, for messages. */
  ref: string;
  /** The function's model.json entry (inputs, outputs, tensor binding). */
  fn: ModelFunction;
}

/** One session per thread and artifact, shared by that artifact's functions (predict, predict_proba). */
const sessions = new Map<string, ReturnType<typeof openSession>>();

export async function onnxThreadPredictor(init: OnnxThreadInit): Promise<Predictor> {
  let session = sessions.get(init.file);
  if (!session) {
    // One intra-op thread per session: the pool already runs one predictor thread per activity slot,
    // and onnxruntime's default (one per core) in each would oversubscribe the cores.
    session = openSession(init.file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(init.file, session);
    session.catch(() => sessions.delete(init.file));
  }
  return sessionPredictor(await session, init.fn, init.ref);
}
