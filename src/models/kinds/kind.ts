// One interface for every kind of model (onnx, js, and python to come): what a kind must say about an
// artifact when it is registered, and how a worker opens a registered version to score record batches.
// The registry, the cache and the scoring activity only ever talk to a kind through this.
import type { BatchScorer, ModulePredictorSource, ScorerOptions } from '../../predictors/isolation/batchScorer.js';
import type { PythonPool } from '../../predictors/python/pythonPool.js';
import type { Predictor } from '../../predictors/types.js';
import type { ModelFunction, ModelJson } from '../modelJson.js';
import type { UnpackLimits } from './pythonArchiveBounds.js';

export interface DescribeOptions {
  /** Input columns given at registration (`--inputs a,b,c`), for a model whose file does not name them. */
  inputs?: string[];
  /** BATCH_PYTHON: the interpreter that imports a Python model to list its functions. */
  python?: string;
  /** BATCH_MODEL_UNPACK_MB / _FILES: a Python model folder over them is not registered. */
  unpack?: UnpackLimits;
}

/** What describe() found, when a kind records more than the functions (a Python folder's requirements.txt). */
export interface DescribedModel {
  functions: ModelFunction[];
  requirements?: string;
}

/** The worker's long-lived runtimes a kind may score with: one of each per worker process. */
export interface ModelRuntimes {
  python?: PythonPool;
  /** How much a Python model archive may unpack to on this worker (BATCH_MODEL_UNPACK_MB / _FILES). */
  unpack?: UnpackLimits;
}

/** A function of an opened version, ready to score: on the main thread, or in a predictor thread from a module. */
export interface ModelScorer {
  predict: Predictor;
  /** Set when the function is a JS module's export: it then runs in a predictor thread (isolated). */
  source?: ModulePredictorSource;
  /** Set when the kind scores with its own runtime (Python processes): scoreChunk uses it instead of predict. */
  batchScorer?(options: ScorerOptions): BatchScorer;
}

/** A version opened once per worker process and shared by every chunk that scores with it. */
export interface OpenedModel {
  scorer(fn: ModelFunction): ModelScorer;
  close(): Promise<void>;
}

export interface ModelKind {
  readonly kind: string;
  /** File extensions that mean this kind when --kind is not given (lower case, with the dot). */
  readonly extensions: readonly string[];
  /** The extension the artifact is stored under (the runtime may care, e.g. .mjs for an ES module). */
  readonly storedExtension: string;
  /** At registration: the functions of the artifact with their input and output columns. Throws UnsupportedModelError. */
  describe(artifactPath: string, options: DescribeOptions): Promise<ModelFunction[] | DescribedModel>;
  /** Set when what the user gives (a file or a folder) is stored as another file: writes that file to `out`. */
  pack?(input: string, out: string, options: DescribeOptions): Promise<void>;
  /** In the worker: opens a verified local copy of the artifact. */
  open(artifactPath: string, model: ModelJson, runtimes?: ModelRuntimes): Promise<OpenedModel>;
}
