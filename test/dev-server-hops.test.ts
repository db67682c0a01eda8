// The dev servers we start must not make workflow tasks wait for the history shard's transfer queue:
// with the server's default history.transferProcessorMaxPollRPS (20), every workflow task of a worker
// busy for more than about a second waited 30–45 ms between scheduled and started (issue 14). Its own
// server, so the setting under test is the one startDevServer passes.
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../src/temporal/devServer.js';
import { gapsOf } from '../src/doors/cli/commands/benchHops.js';
import { installQuietRuntime } from '../src/temporal/runtime.js';

installQuietRuntime('ERROR');

describe('dev server task hops', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ cli: process.env.TEMPORAL_CLI ?? 'temporal' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('workflow tasks start within a few ms after seconds of steady traffic', async () => {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection,
      taskQueue: 'hops',
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('./fixtures/sequentialWorkflow.ts', import.meta.url)),
      }),
      activities: { async noop() {} },
      maxConcurrentActivityTaskExecutions: 8,
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
    });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const gaps: number[] = [];
    await worker.runUntil(async () => {
      // Three workflows at once, back to back for a few seconds: more than 20 tasks a second even on a
      // loaded machine, so a rate limit on the transfer queue shows; the later rounds are past its burst.
      for (let round = 0; round < 4; round++) {
        const handles = await Promise.all(
          [0, 1, 2].map((i) =>
            client.workflow.start('sequentialNoops', { taskQueue: 'hops', workflowId: `hops-${round}-${i}-${Date.now()}`, args: [30] }),
          ),
        );
        await Promise.all(handles.map((h) => h.result()));
        if (round < 2) continue;
        for (const h of handles) gaps.push(...gapsOf((await h.fetchHistory()).events ?? []).workflowTasks);
      }
    });
    await client.connection.close();
    await connection.close();
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    expect(gaps.length).toBeGreaterThan(150);
    expect(median, `workflow task hops (ms): ${gaps.join(' ')}`).toBeLessThan(15);
  });
});
