// The `batch-inference` command line. Each command's module is imported only when that command runs:
// `--help` loads almost nothing, and `status` loads the Temporal client but not the worker or DuckDB.
import { parseArgs } from 'node:util';
import { EXIT_BAD_INPUT, EXIT_RUN_FAILED, USAGE, UsageError } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      rows: { type: 'string' },
      workers: { type: 'string' },
      chunks: { type: 'string' },
      stage: { type: 'string' },
      'onnx-rows': { type: 'string' },
      'python-rows': { type: 'string' },
      'run-id': { type: 'string' },
      set: { type: 'string', multiple: true },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      version: { type: 'string' },
      kind: { type: 'string' },
      description: { type: 'string' },
      inputs: { type: 'string' },
      status: { type: 'string' },
      tenant: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg, arg2] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : EXIT_BAD_INPUT;
  }
  const { loadConfig } = await import('../../config.js');
  const config = loadConfig();
  // Every command ends within a bound on SIGINT/SIGTERM; the Temporal runtime, once a worker installs it, drains workers.
  (await import('./stopSignals.js')).installStopSignals();
  const needArg = (what: string) => {
    if (!arg) throw new UsageError(`${command} needs ${what}\n\n${USAGE}`);
    return arg;
  };
  switch (command) {
    case 'demo':
      return (await import('./commands/demo.js')).demoCommand(config);
    case 'run':
      return (await import('./commands/run.js')).runCommand(config, needArg('a spec file'), {
        wait: values.wait!,
        json: values.json!,
        runId: values['run-id'],
      });
    case 'status':
      return (await import('./commands/status.js')).statusCommand(config, needArg('a run id'), { json: values.json! });
    case 'resume':
      return (await import('./commands/resume.js')).resumeCommand(config, needArg('the id of a failed run'), {
        sets: values.set ?? [],
        wait: values.wait!,
        json: values.json!,
      });
    case 'runs':
      return (await import('./commands/runs.js')).runsCommand(config, {
        status: values.status,
        tenant: values.tenant,
        limit: values.limit,
        json: values.json!,
      });
    case 'logs':
      return (await import('./commands/logs.js')).logsCommand(config, needArg('a run id'), { json: values.json! });
    case 'cancel':
      return (await import('./commands/cancel.js')).cancelCommand(config, needArg('a run id'));
    case 'worker':
      return (await import('./commands/worker.js')).workerCommand(config);
    case 'dev':
      return (await import('./commands/dev.js')).devCommand(config);
    case 'deploy':
      return (await import('./commands/deploy.js')).deployCommand(config, needArg('a folder of config files'), {
        prune: values.prune!,
        dryRun: values['dry-run']!,
        json: values.json!,
      });
    case 'sensors':
      if (arg === 'list') return (await import('./commands/sensorsList.js')).sensorsListCommand(config, { json: values.json! });
      if (arg === 'pause' || arg === 'resume' || arg === 'trigger') {
        if (!arg2) throw new UsageError(`sensors ${arg} needs a sensor name\n\n${USAGE}`);
        return (await import('./commands/sensorsControl.js')).sensorsControlCommand(config, arg, arg2);
      }
      throw new UsageError(`sensors needs list, pause, resume or trigger\n\n${USAGE}`);
    case 'models':
      return (await import('./commands/models.js')).modelsCommand(config, arg, positionals.slice(2), {
        json: values.json!,
        version: values.version,
        kind: values.kind,
        description: values.description,
        inputs: values.inputs,
      });
    case 'serve':
      return (await import('./commands/serve.js')).serveCommand(config);
    case 'bench':
      return (await import('./commands/bench.js')).benchCommand(config, {
        rows: values.rows,
        workers: values.workers,
        chunks: values.chunks,
        stage: values.stage,
        onnxRows: values['onnx-rows'],
        pythonRows: values['python-rows'],
      });
    case 'bench-run':
      return (await import('./commands/bench.js')).benchRunCommand(config, Number(needArg('a row count')), arg2);
    default:
      throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    // Loaded here, after the failure: a thrown SpecError or ConfigError means these modules are loaded already.
    const [{ ConfigError }, { SpecError }, { TenantGrantError, UnknownTenantError }, { ResumeRefusedError }] = await Promise.all([
      import('../../config.js'),
      import('../../spec/errors.js'),
      import('../../tenants/grants.js'),
      import('../../client/resumeRun.js'),
    ]);
    const badInput = [SpecError, ConfigError, UsageError, TenantGrantError, UnknownTenantError, ResumeRefusedError];
    if (badInput.some((type) => err instanceof type)) {
      console.error((err as Error).message);
      process.exit(EXIT_BAD_INPUT);
    }
    if (err instanceof Error && err.name === 'TypeError' && /parseArgs|ERR_PARSE_ARGS/.test(String((err as NodeJS.ErrnoException).code))) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(EXIT_BAD_INPUT);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(EXIT_RUN_FAILED);
  },
);
