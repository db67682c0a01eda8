// The `batch-inference` command line.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config.js';
import { SpecError } from '../../spec/errors.js';
import { installQuietRuntime } from '../../temporal/runtime.js';
import { benchCommand, benchRunCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { cancelCommand } from './commands/cancel.js';
import { deployCommand } from './commands/deploy.js';
import { devCommand } from './commands/dev.js';
import { sensorsControlCommand } from './commands/sensorsControl.js';
import { sensorsListCommand } from './commands/sensorsList.js';
import { statusCommand } from './commands/status.js';
import { workerCommand } from './commands/worker.js';
import { installStopSignals } from './stopSignals.js';
import { EXIT_BAD_INPUT, EXIT_RUN_FAILED, USAGE, UsageError } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      rows: { type: 'string' },
      'run-id': { type: 'string' },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg, arg2] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : EXIT_BAD_INPUT;
  }
  const config = loadConfig();
  installQuietRuntime();
  // After the runtime: its own handler drains workers; ours bounds how long anything may take.
  installStopSignals();
  const needArg = (what: string) => {
    if (!arg) throw new UsageError(`${command} needs ${what}\n\n${USAGE}`);
    return arg;
  };
  switch (command) {
    case 'demo':
      return demoCommand(config);
    case 'run':
      return runCommand(config, needArg('a spec file'), { wait: values.wait!, json: values.json!, runId: values['run-id'] });
    case 'status':
      return statusCommand(config, needArg('a run id'), { json: values.json! });
    case 'cancel':
      return cancelCommand(config, needArg('a run id'));
    case 'worker':
      return workerCommand(config);
    case 'dev':
      return devCommand(config);
    case 'deploy':
      return deployCommand(config, needArg('a folder of config files'), { prune: values.prune!, dryRun: values['dry-run']!, json: values.json! });
    case 'sensors':
      if (arg === 'list') return sensorsListCommand(config, { json: values.json! });
      if (arg === 'pause' || arg === 'resume' || arg === 'trigger') {
        if (!arg2) throw new UsageError(`sensors ${arg} needs a sensor name\n\n${USAGE}`);
        return sensorsControlCommand(config, arg, arg2);
      }
      throw new UsageError(`sensors needs list, pause, resume or trigger\n\n${USAGE}`);
    case 'serve':
      return serveCommand(config);
    case 'bench':
      return benchCommand(config, values.rows);
    case 'bench-run':
      return benchRunCommand(config, Number(needArg('a row count')));
    default:
      throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SpecError || err instanceof ConfigError || err instanceof UsageError) {
      console.error(err.message);
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
