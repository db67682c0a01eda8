// Types of sensors, shared by workflows, activities and doors. Type-only: safe to import from workflow code.

export const S3_CHECK_MODES = ['files_metadata', 'file_size', 'file_modified_ts'] as const;
export type S3CheckMode = (typeof S3_CHECK_MODES)[number];

/** What a sensor watches: a query's result in a warehouse, or S3 metadata. */
export type SensorSource =
  { type: 'duckdb' | 'snowflake'; query: string; warehouse?: string } | { type: 's3'; bucket: string; key: string; checkMode: S3CheckMode };

/**
 * One sensor, validated: a config file after parsing, with its run spec's .sql file inlined.
 * This is the argument of every check the sensor's Schedule starts, so it stays small.
 */
export interface SensorDefinition {
  /** The file name without extension (or sensor.name): names the Schedule and every workflow id. */
  name: string;
  project: string;
  cronSchedule: string;
  timezone: string;
  eventName: string;
  payloadKey: string;
  source: SensorSource;
  /** The job spec started on a change, with ctx[payloadKey] set to the new value. */
  run: Record<string, unknown>;
  /** Whose database the check queries and the runs use (BATCH_TENANTS_FILE); "default" when absent. */
  tenant?: string;
  /**
   * Set by deploy when the namespace has BatchTenant/BatchState: the runs then start with them, so the
   * tenant's listing (GET /api/v1/inference/batch) shows them. Not a config file field.
   */
  listable?: boolean;
}

/**
 * What one check saw. `value` is what the run receives as {payloadKey}; `fingerprint` is what is
 * compared with the last check (it may cover more than the value, e.g. every file's size and ETag).
 */
export interface Observation {
  value: string;
  fingerprint: string;
  /** One human line: "3 objects, 12,345 bytes", "1 row", "missing". */
  summary: string;
}

export interface SensorCheckRecord {
  /** The check workflow's id and run id: a retried report of the same check is answered from the first one. */
  checkId: string;
  /** When the check began to look (workflow time): a slower, older look never overrides a newer one. */
  observedAt: string;
  checkedAt: string;
  observation?: Observation;
  /** Why the check failed; the last value seen is kept. */
  error?: string;
}

export interface SensorCheckOutcome {
  /** True when this check saw a new value and a run was started for it (by this check or a duplicate of it). */
  changed: boolean;
  /** The first successful check records the value it sees as the baseline and starts nothing. */
  baseline: boolean;
  /** The check began before the one that set the current value: what it saw is already out of date. */
  stale?: boolean;
  value?: string;
  runId?: string;
}

/** The durable memory of one sensor, held by its state workflow and mirrored in that workflow's memo. */
export interface SensorState {
  sensor: string;
  lastFingerprint?: string;
  lastValue?: string;
  lastSummary?: string;
  lastCheckAt?: string;
  /** When the look behind the current value began. */
  lastObservedAt?: string;
  lastError?: string;
  lastChangeAt?: string;
  lastRunId?: string;
  checks: number;
  changes: number;
}

/** What a sensor's state workflow needs to start a run: the parts of the definition a run uses. */
export type SensorRunTemplate = Pick<SensorDefinition, 'name' | 'project' | 'eventName' | 'payloadKey' | 'run' | 'tenant' | 'listable'>;

/** One check's report to the sensor's state workflow (the `observe` update). */
export interface ObserveRequest extends SensorCheckRecord {
  sensor: SensorRunTemplate;
}
