// A Python process's answer to one batch as the Arrow table it holds, or the error it stands for: the
// same for the worker's scorer (pythonScorer.ts) and a chunk thread's (models/kinds/pythonThread.ts).
import * as arrow from 'apache-arrow';
import { PredictorOutputError, type ChunkPlace } from '../errors.js';
import { PythonModelError } from './errors.js';
import type { ScoreAnswer } from './pythonProcess.js';

/** `unreadable` is called when the answer's Arrow bytes cannot be read: that process is of no further use. */
export function answerTable(answer: ScoreAnswer, place: ChunkPlace, predictor: string, unreadable: () => void): arrow.Table {
  if (!answer.ok) {
    if (answer.kind === 'user') throw new PythonModelError(place, predictor, answer.exception);
    throw new PredictorOutputError(predictor, `${answer.exception.excType}: ${answer.exception.message}`);
  }
  try {
    return arrow.tableFromIPC(answer.ipc);
  } catch (err) {
    unreadable();
    throw new PredictorOutputError(predictor, `its Arrow output cannot be read: ${(err as Error).message}`);
  }
}
