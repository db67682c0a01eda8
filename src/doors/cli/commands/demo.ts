// `batch-inference demo`: the seed's flow on the embedded defaults, with a live progress bar.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../config.js';
import type { RunSummary } from '../../../workflows/run/contract.js';
import { createDemoTable } from '../demoData.js';
import { summaryText } from '../format.js';
import { openSession } from '../session.js';
import { EXIT_OK, EXIT_RUN_FAILED } from '../usage.js';
import { watchRun } from '../watch.js';

const DEMO_SPEC = fileURLToPath(new URL('../../../../examples/seed-demo.json', import.meta.url));

export async function demoCommand(config: Config): Promise<number> {
  const spec = JSON.parse(fs.readFileSync(DEMO_SPEC, 'utf8')) as Record<string, unknown>;
  // The demo's data lives in this folder's warehouse, so it always scores with a worker of its own.
  const session = await openSession(config, { worker: 'always', taskQueue: `batch-inference-demo-${process.pid}` });
  try {
    console.log(`Creating ${config.schema}.model_features (1,000,000 rows, two ds dates, NULLs) in ${session.warehouse.describe()}…`);
    await createDemoTable(session.warehouse, config.schema);
    const { runId } = await session.client.startBatchInference(spec);
    console.log(`Started run ${runId}: ${String(spec.inputQuery)} → ${String(spec.outputTableName)}`);
    const end = await watchRun(session.client, runId, process.stdout);
    if (end.state !== 'completed') {
      console.error(`Run ${end.state}${end.error ? `: ${end.error}` : ''}`);
      return EXIT_RUN_FAILED;
    }
    const summary: RunSummary = await session.client.waitForResult(runId);
    console.log(summaryText(summary));
    const sample = await session.warehouse.preview(summary.table!, 5);
    console.log(`\nFirst rows of ${summary.table}:`);
    console.table(sample);
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
