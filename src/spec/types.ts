// A job spec after validation, defaults and SQL rendering: what a run actually executes.
import type { KafkaOutput } from './kafkaBlock.js';
import type { OutputDestination, SaveMode } from './output.js';
import type { ModelRef, ResolvedModel } from '../models/modelRef.js';

/** One output column: the name and its warehouse type, e.g. ['score', 'FLOAT']. */
export type ColumnDefinition = [name: string, type: string];

export interface ResolvedSpec {
  renderedQuery: string;
  outputDestination: OutputDestination;
  /** Set when outputDestination is 'table'. */
  outputTableName?: string;
  /** Set when outputDestination is 'parquet' or 'csv': a stage prefix without a trailing '/'. */
  outputPath?: string;
  /** Set when outputDestination is 'kafka': the topic and how its records are made. */
  kafka?: KafkaOutput;
  saveMode: SaveMode;
  outputTableDefinition?: ColumnDefinition[];
  /** The predictor function's name; for a model run, "<name>@<version>:<function>" once resolved. */
  predictor: string;
  /** The spec's `model`, as given (the version may be absent). */
  modelRef?: ModelRef;
  /** The model version and function the run scores with: resolved once, in prepareRun. */
  model?: ResolvedModel;
  parallelWorkers: number;
  batchSizeInMb: number;
  timeoutPerBatch: number;
  heartbeatTimeout: number;
  retries: number;
  autoCreateTable: boolean;
  /** saveMode === 'overwrite', as the warehouse's publish takes it. */
  overwrite: boolean;
  /** Every input column next to the predictions (a predictor column replaces an input column of the same name). */
  includeInputColumns: boolean;
  /** The run fails (and cleans up) when it has not finished this long after it left the queue. */
  timeoutMinutes: number;
  /** Rows per record batch handed to the predictor; the worker's default when absent. */
  batchRows?: number;
  /** NaN and ±Infinity predictions are kept; absent (false): the first one fails the chunk. */
  allowNonFinite?: boolean;
  warehouse?: string;
  useUtc: boolean;
}
