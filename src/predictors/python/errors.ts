// What goes wrong when a Python model is described or scores a batch. Each error carries its data as
// fields and names the fix. Retryable: only a process that died (a retry gets a fresh process).
import { NonRetryableError } from '../../nonRetryableError.js';
import { placeText, type ChunkPlace } from '../errors.js';

/** BATCH_PYTHON does not name an interpreter that can be started. */
export class PythonNotFoundError extends NonRetryableError {
  constructor(
    readonly python: string,
    readonly reason: string,
  ) {
    super(
      `Python interpreter "${python}" (BATCH_PYTHON) could not be started: ${reason}; install Python 3 or set BATCH_PYTHON on the worker to an interpreter, e.g. BATCH_PYTHON=/path/to/venv/bin/python`,
    );
  }
}

/** The interpreter lacks pyarrow or pandas, which carry the batches. */
export class PythonPackageMissingError extends NonRetryableError {
  constructor(
    readonly python: string,
    readonly pythonPackage: string,
    readonly reason: string,
  ) {
    super(
      `Python interpreter "${python}" (BATCH_PYTHON) cannot import ${pythonPackage} (${reason}); install it there: ${python} -m pip install pyarrow pandas`,
    );
  }
}

/** The model file or folder cannot be used as a Python model. */
export class PythonModelPathError extends NonRetryableError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`Python model "${path}": ${problem}`);
  }
}

/** What a Python exception looked like, as data. */
export interface PythonException {
  /** The exception's class, e.g. KeyError. */
  excType: string;
  message: string;
  /** The last frames of the traceback, innermost last, as "file:line in function: source". */
  frames: string[];
}

const traceText = (e: PythonException) => (e.frames.length ? `\n  Traceback (last frames):\n    ${e.frames.join('\n    ')}` : '');

/** The model's module raised while it was imported. */
export class PythonImportError extends NonRetryableError implements PythonException {
  readonly excType: string;
  readonly frames: string[];
  constructor(
    readonly modulePath: string,
    exception: PythonException,
  ) {
    super(`Python model "${modulePath}" does not import: ${exception.excType}: ${exception.message}${traceText(exception)}`);
    this.excType = exception.excType;
    this.frames = exception.frames;
  }
}

/** The function asked for is not one the module defines. */
export class PythonFunctionNotFoundError extends NonRetryableError {
  constructor(
    readonly modulePath: string,
    readonly functionName: string,
    readonly available: string[],
  ) {
    super(
      `Python model "${modulePath}" has no function "${functionName}"; it defines: ${available.length ? available.join(', ') : '(no public functions)'}. Name one of these, or define ${functionName}(df) in the module`,
    );
  }
}

/** The user's function (or load()) raised: the same batch would raise again. */
export class PythonModelError extends NonRetryableError implements PythonException {
  readonly excType: string;
  readonly frames: string[];
  constructor(
    readonly place: ChunkPlace,
    readonly predictor: string,
    exception: PythonException,
  ) {
    super(`${placeText(place)}: Python model "${predictor}" raised ${exception.excType}: ${exception.message}${traceText(exception)}`);
    this.excType = exception.excType;
    this.frames = exception.frames;
  }
}

/** The Python process ended without answering (killed, out of memory, segfault). Retried on a fresh process. */
export class PythonProcessDiedError extends Error {
  constructor(
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The end of what the process wrote to stdout and stderr. */
    readonly stderrTail: string,
    /** Where it was scoring, when known. */
    readonly place?: ChunkPlace,
    readonly predictor?: string,
  ) {
    super(
      `${place ? `${placeText(place)}: ` : ''}Python model ${predictor ? `"${predictor}" ` : ''}process ${pid ?? '?'} ended (${signal ? `signal ${signal}` : `exit code ${exitCode}`}) without answering; the chunk is retried on a fresh process${stderrTail ? `. Its output ended with:\n${stderrTail}` : ''}`,
    );
    this.name = 'PythonProcessDiedError';
  }

  /** The same death, named with the chunk it interrupted. */
  at(place: ChunkPlace, predictor: string): PythonProcessDiedError {
    return new PythonProcessDiedError(this.pid, this.exitCode, this.signal, this.stderrTail, place, predictor);
  }
}

/** The process answered something the protocol does not allow: it is not reused. */
export class PythonProtocolError extends Error {
  constructor(readonly problem: string) {
    super(`Python model process broke the protocol: ${problem}`);
    this.name = 'PythonProtocolError';
  }
}
