// `batch-inference serve`: the HTTP API (see src/doors/http/), on the same Temporal as the other commands.
import type { Config } from '../../../config.js';
import { buildPredictorRegistry } from '../../../predictors/registry.js';
import { buildApi } from '../../http/server.js';
import { openSession } from '../session.js';
import { stopSignal, whenStopped } from '../stopSignals.js';
import { EXIT_OK, UsageError } from '../usage.js';

export async function serveCommand(config: Config): Promise<number> {
  if (Object.keys(config.api.tokens).length === 0) {
    throw new UsageError(
      'Set BATCH_API_TOKENS=token:tenant[,token:tenant…] (tokens of at least 8 characters) so that callers can authenticate',
    );
  }
  const stop = stopSignal();
  // With no Temporal configured or running, an ephemeral server and a worker live in this process.
  const session = await openSession(config, { worker: 'if-ephemeral', signal: stop }).catch((err: unknown) => {
    if (stop.aborted) return undefined; // stopped while its dev server started: that server is gone already
    throw err;
  });
  if (!session) return EXIT_OK;
  try {
    const namespace = session.config.temporal.namespace;
    const missing = await session.client.ensureSearchAttributes();
    if (missing.length)
      console.error(
        `Warning: namespace ${namespace} lacks the search attributes ${missing.join(', ')} and refused to add them; GET /api/v1/inference/batch answers 503 until they exist`,
      );
    await session.client
      .ensureRetentionSchedule()
      .catch((err: Error) => console.error(`Warning: cannot create the retention schedule (${err.message}); staged files will not expire`));
    // The names the workers know, when they load the same BATCH_PREDICTORS: model_id is checked at submit.
    const predictors = Object.keys(await buildPredictorRegistry(config.predictorModules));
    const app = buildApi({ client: session.client, warehouse: session.warehouse, config: session.config, predictors });
    const address = await app.listen({ host: config.api.host, port: config.api.port });
    console.log(`HTTP API on ${address}/api/v1/inference/batch (OpenAPI at ${address}/api/v1/openapi.json)`);
    console.log(
      `Temporal ${session.config.temporal.address}, task queue ${session.config.temporal.taskQueue}${session.ephemeral ? ' (ephemeral server, worker in this process)' : ''}; Ctrl-C stops.`,
    );
    await whenStopped(stop);
    await app.close();
  } finally {
    await session.close();
  }
  return EXIT_OK;
}
