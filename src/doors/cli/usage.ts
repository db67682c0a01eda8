// Exit codes: 0 ok, 1 the run failed, 2 bad input (usage, spec, configuration).
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `batch-inference — durable batch scoring on Temporal

Usage:
  batch-inference demo                          score 500,000 demo rows on the embedded defaults
  batch-inference run <spec.json|spec.yaml> [--wait] [--json] [--run-id <id>]
                                                --run-id: run it at most once (a repeat follows that run)
  batch-inference status <runId> [--json]
  batch-inference cancel <runId>
  batch-inference resume <runId> [--set field=value …] [--wait] [--json]
                                                continue a failed run: reuse its finished chunks, score the rest;
                                                --set changes timeoutPerBatch, heartbeatTimeout, retries,
                                                parallelWorkers, batchRows or timeoutMinutes
  batch-inference runs [--status <state>] [--tenant <name>] [--limit <n>] [--json]
                                                a tenant's runs, newest first (tenant default, 20)
  batch-inference logs <runId> [--json]         the run's timeline: phases, steps, chunk attempts, cancellation
  batch-inference worker                        run a worker (needs TEMPORAL_ADDRESS or a running dev)
  batch-inference dev                           keep a local Temporal server + Web UI + worker running
  batch-inference serve                         the HTTP API on BATCH_API_HOST:BATCH_API_PORT (needs BATCH_API_TOKENS)
  batch-inference bench [--rows 1000000,10000000] [--workers N] [--chunks 200] [--stage local|s3]
                        [--onnx-rows N] [--python-rows N]
                                                --workers: also score the largest size with N worker processes
                                                --chunks: the smallest size again in ~N chunks (0: skip)
                                                --onnx-rows, --python-rows: rows of the ONNX and Python model
                                                sections, each next to its Python peer (10000000; 0: skip)
  batch-inference deploy <dir> [--prune] [--dry-run] [--json]
                                                one Schedule per sensor file / job spec with a schedule block
  batch-inference sensors list [--json]         name, cron, paused, last value, last check, last run
  batch-inference sensors pause|resume|trigger <name>
  batch-inference models register <name> <file|folder> [--version V] [--kind onnx|js|python] [--description …] [--inputs a,b,c]
                                                a new immutable version on the stage (default: the next number)
  batch-inference models list [--json]
  batch-inference models show <name>[@<version>] [--json]   its functions, inputs and outputs
  batch-inference models delete <name>@<version>            refused while an open run uses it

Without TEMPORAL_ADDRESS, commands use the server of a running \`batch-inference dev\`, or start an
ephemeral one whose state is kept in .data/. Exit codes: 0 ok, 1 run failed, 2 bad input.`;
