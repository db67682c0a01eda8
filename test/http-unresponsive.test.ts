// The HTTP API with the Temporal server unresponsive (a TCP proxy that holds every byte): every route
// answers 503 with Retry-After within a bound. Submits are idempotent: an Idempotency-Key names the
// job, so a retried POST answers with the first job and body, and a submit given up on while
// Temporal did not answer becomes that one job when retried, never a second.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchInferenceClient } from '../src/client.js';
import { buildApi } from '../src/doors/http/server.js';
import { idempotentRunId } from '../src/doors/http/idempotency.js';
import { RETRY_AFTER_SECONDS } from '../src/doors/http/temporalDeadline.js';
import { TOKEN_A, TOKEN_B, TOKENS } from './support/api.js';
import { startCuttingProxy, type CuttingProxy } from './support/cuttingProxy.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, until } from './support/wait.js';

const BASE = '/api/v1/inference/batch';
const DEADLINE_MS = 2_000;
/** Deadline plus the time to answer on a loaded machine. */
const ANSWER_BOUND_MS = DEADLINE_MS + 3_000;

const body = (table: string) => ({
  model_id: 'linear-demo',
  input: { source: 'sql', query: `SELECT id, feature_1, feature_2 FROM dev.model_features WHERE ds = '2026-02-26'` },
  output: { destination: 'table', table_name: table },
  config: { parallelism: 1 },
});

describe('HTTP API with Temporal unresponsive', () => {
  let h: Harness;
  let proxy: CuttingProxy;
  let connection: Connection;
  let url: string;
  let close: () => Promise<unknown>;

  const call = async (method: string, path: string, options: { body?: unknown; key?: string; token?: string } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? TOKEN_A}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.key !== undefined) headers['idempotency-key'] = options.key;
    const t0 = Date.now();
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      retryAfter: response.headers.get('retry-after'),
      ms: Date.now() - t0,
    };
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    await h.startWorker();
    // The API reaches Temporal through the proxy; the worker and the test's client do not.
    proxy = await startCuttingProxy(`http://${h.config.temporal.address}`);
    connection = await Connection.connect({ address: new URL(proxy.endpoint).host });
    const client = new BatchInferenceClient(new Client({ connection }), h.config);
    const app = buildApi({
      client,
      warehouse: h.warehouse,
      config: h.config,
      tokens: TOKENS,
      predictors: ['linear-demo'],
      temporalDeadlineMs: DEADLINE_MS,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  });
  afterAll(async () => {
    proxy?.resume();
    await close?.();
    await connection?.close();
    await proxy?.close();
    await h?.close();
  });

  it('a retried POST with the same Idempotency-Key returns the same job and body; another tenant gets its own', async () => {
    const first = await call('POST', BASE, { body: body('IDEM_ONCE'), key: 'order-1' });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await call('POST', BASE, { body: body('IDEM_ONCE'), key: 'order-1' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const otherTenant = await call('POST', BASE, { body: body('IDEM_OTHER'), key: 'order-1', token: TOKEN_B });
    expect(otherTenant.status).toBe(202);
    expect(otherTenant.body.job_id).not.toBe(first.body.job_id);
    // After the run has closed too: still the one job.
    await h.client.waitForResult(first.body.job_id);
    expect(await call('POST', BASE, { body: body('IDEM_ONCE'), key: 'order-1' })).toMatchObject({ status: 202, body: first.body });
    const bad = await call('POST', BASE, { body: body('IDEM_BAD'), key: 'a key with spaces' });
    expect(bad).toMatchObject({ status: 400, body: { problems: [{ field: 'Idempotency-Key' }] } });
  });

  it('every route answers 503 with Retry-After within the bound while Temporal holds every byte', async () => {
    const { body: known } = await call('POST', BASE, { body: body('BEFORE_STALL') });
    proxy.stall();
    try {
      const routes: [string, string, unknown?][] = [
        ['POST', BASE, body('DURING_STALL')],
        ['POST', BASE, body('NO_KEY_STALL')],
        ['GET', BASE],
        ['GET', `${BASE}/${known.job_id}`],
        ['DELETE', `${BASE}/${known.job_id}`],
        ['GET', '/api/v1/inference/schedules/bi-cron-api-tenantA-00000000'],
        ['DELETE', '/api/v1/inference/schedules/bi-cron-api-tenantA-00000000'],
      ];
      for (const [method, path, payload] of routes) {
        const keyed = (payload as { output?: { table_name?: string } } | undefined)?.output?.table_name === 'DURING_STALL';
        const answer = await call(method, path, { body: payload, key: keyed ? 'given-up-1' : undefined });
        console.info(`${method} ${path}: ${answer.status} in ${answer.ms} ms`);
        expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(503);
        expect(answer.retryAfter).toBe(String(RETRY_AFTER_SECONDS));
        expect(answer.body).toMatchObject({ error: 'unavailable' });
        expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
      }
    } finally {
      // The held bytes (the given-up start among them) now reach the server, late.
      proxy.resume();
    }
    // The client retries its given-up submit: one job, whether or not the late start landed first.
    const retried = await until(
      async () => {
        const answer = await call('POST', BASE, { body: body('DURING_STALL'), key: 'given-up-1' });
        return answer.status === 202 ? answer : undefined;
      },
      60_000,
      'the retried submit to be accepted',
    );
    const again = await call('POST', BASE, { body: body('DURING_STALL'), key: 'given-up-1' });
    expect(again.body.job_id).toBe(retried.body.job_id);
    expect(await h.client.waitForResult(retried.body.job_id)).toMatchObject({ state: 'completed', rowsOut: 1_000 });
    // A start delivered after its submitter gave up may exist, but it ran nothing (SubmitAbandoned,
    // refused before taking a slot). What did run: BEFORE_STALL, the first test's two, the retried one.
    await new Promise((r) => setTimeout(r, 1_000)); // late bytes were flushed at resume; give the server a moment to record them
    const ran: string[] = [];
    for await (const run of h.temporal.workflow.list({ query: `TaskQueue = '${h.taskQueue}' AND WorkflowType = 'batchInference'` })) {
      const handle = h.temporal.workflow.getHandle(run.workflowId, run.runId);
      const outcome = await handle.result().then(
        () => 'ran',
        (err: { cause?: { type?: string } }) => err.cause?.type ?? 'failed',
      );
      console.info(`${run.workflowId} ${String(run.memo?.outputTableName)}: ${outcome}`);
      if (outcome !== 'SubmitAbandoned') ran.push(String(run.memo?.outputTableName));
    }
    expect(ran.sort()).toEqual(['BEFORE_STALL', 'DURING_STALL', 'IDEM_ONCE', 'IDEM_OTHER']);
  });

  it('a start Temporal records after its submitter gave up runs nothing; a keyed retry replaces it', async () => {
    // What a start delivered late looks like to the workflow: its startBy has passed.
    const late = idempotentRunId('tenantA', 'late-1');
    await h.client.startBatchInference(seedSpec({ outputTableName: 'LATE' }), {
      runId: late,
      tenant: 'tenantA',
      onlyOnce: true,
      startBy: new Date(Date.now() - 60_000),
    });
    const refused = await failureOf(h.client.waitForResult(late));
    expect(refused.type).toBe('SubmitAbandoned');
    expect(refused.message).toContain('nothing ran');
    expect(await h.client.getProgress(late)).toMatchObject({ state: 'failed', totalRows: null, chunksDone: 0 });
    await expect(h.stage.list(`runs/${late}`)).resolves.toEqual([]);

    const retried = await call('POST', BASE, { body: body('LATE'), key: 'late-1' });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(retried.body.job_id).toBe(late);
    expect(await h.client.waitForResult(late)).toMatchObject({ state: 'completed', rowsOut: 1_000 });
  });
});
