// S3 sensors against a real S3 server (moto): each check mode sees its kind of change and starts
// exactly one run; an unchanged source starts none; a deleted object is a change; a missing bucket
// fails the check visibly.
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { startS3Server } from './support/s3Server.js';
import { check, deploySensor, runsOnQueue, stateOf } from './support/sensors.js';
import { until } from './support/wait.js';

const BUCKET = 'landing';

describe('S3 sensors', () => {
  let h: Harness;
  let s3server: { endpoint: string; stop(): Promise<void> };
  let s3: S3Client;
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const del = (key: string) => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  const sensorConfig = (data: Record<string, unknown>) => ({
    project: 'landing-zone',
    sensor: { cronSchedule: '0 0 1 1 *', eventName: 'landing_changed', payloadKey: 'seen' },
    data: { type: 's3', bucket: BUCKET, ...data },
    run: {
      inputQuery: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE '{seen}' <> 'never'",
      outputTableName: 'S3_SENSOR_PREDICTIONS',
      predictor: 'linear-demo',
      parallelWorkers: 1,
    },
  });

  beforeAll(async () => {
    s3server = await startS3Server();
    h = await createHarness({ AWS_ENDPOINT_URL: s3server.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    s3 = new S3Client({
      endpoint: s3server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await createFeatures(h, 200);
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
    s3?.destroy();
    await s3server?.stop();
  });

  /** A changed check started a run: it carries the payload in its memo and completes. */
  async function expectRun(runId: string | undefined, sensor: string, seen: string) {
    expect(runId).toMatch(new RegExp(`^bi-sensor-${sensor}-run-\\d+-[0-9a-f]{10}$`));
    const description = await h.temporal.workflow.getHandle(runId!).describe();
    expect(description.memo).toMatchObject({ sensor, project: 'landing-zone', eventName: 'landing_changed', payload: { seen } });
    expect((await h.client.waitForResult(runId!)).rowsOut).toBe(200);
  }

  it('files_metadata: a new object under the prefix, then a deleted one, each start one run', async () => {
    await put('daily/part-1.csv', 'a');
    await put('elsewhere/x.csv', 'x');
    await deploySensor(h, 'landing-files', sensorConfig({ key: 'daily/', checkMode: 'files_metadata' }));

    expect(await check(h.temporal, 'landing-files')).toMatchObject({ changed: false, baseline: true, value: 'daily/part-1.csv' });
    expect(await check(h.temporal, 'landing-files')).toMatchObject({ changed: false, baseline: false });
    await put('elsewhere/y.csv', 'y'); // outside the prefix: not a change
    expect((await check(h.temporal, 'landing-files')).changed).toBe(false);

    await put('daily/part-2.csv', 'bb');
    const added = await check(h.temporal, 'landing-files');
    expect(added).toMatchObject({ changed: true, value: 'daily/part-2.csv' });
    await expectRun(added.runId, 'landing-files', 'daily/part-2.csv');
    expect((await check(h.temporal, 'landing-files')).changed).toBe(false);

    await del('daily/part-1.csv');
    const removed = await check(h.temporal, 'landing-files');
    expect(removed.changed).toBe(true);
    expect(removed.runId).not.toBe(added.runId);
    await expectRun(removed.runId, 'landing-files', 'daily/part-2.csv');

    expect(await stateOf(h.temporal, 'landing-files')).toMatchObject({ checks: 6, changes: 2, lastRunId: removed.runId });
  });

  it('file_size: a missing object is a value; a new size starts one run, the same size none; deletion is a change', async () => {
    await deploySensor(h, 'landing-size', sensorConfig({ key: 'model/weights.bin', checkMode: 'file_size' }));
    expect(await check(h.temporal, 'landing-size')).toMatchObject({ baseline: true, value: '' });

    await put('model/weights.bin', '0123456789');
    const grown = await check(h.temporal, 'landing-size');
    expect(grown).toMatchObject({ changed: true, value: '10' });
    await expectRun(grown.runId, 'landing-size', '10');

    await put('model/weights.bin', 'abcdefghij'); // new content, same size
    expect((await check(h.temporal, 'landing-size')).changed).toBe(false);

    await del('model/weights.bin');
    const gone = await check(h.temporal, 'landing-size');
    expect(gone).toMatchObject({ changed: true, value: '' });
    await expectRun(gone.runId, 'landing-size', '');
  });

  it('file_modified_ts: rewriting the object starts one run', async () => {
    await put('flags/ready', 'v1');
    await deploySensor(h, 'landing-mtime', sensorConfig({ key: 'flags/ready', checkMode: 'file_modified_ts' }));
    const first = await check(h.temporal, 'landing-mtime');
    expect(first.baseline).toBe(true);
    expect(Date.parse(first.value!)).toBeGreaterThan(0);
    expect((await check(h.temporal, 'landing-mtime')).changed).toBe(false);

    // S3 times have a resolution of a second: write again once the clock has moved on.
    await new Promise((r) => setTimeout(r, 1100));
    await put('flags/ready', 'v1');
    const touched = await check(h.temporal, 'landing-mtime');
    expect(touched.changed).toBe(true);
    expect(Date.parse(touched.value!)).toBeGreaterThan(Date.parse(first.value!));
    await expectRun(touched.runId, 'landing-mtime', touched.value!);
  });

  it('a missing bucket fails the check visibly, records the error and keeps the schedule going', async () => {
    await deploySensor(h, 'no-bucket', {
      ...sensorConfig({ key: 'x', checkMode: 'file_size' }),
      data: { type: 's3', bucket: 'no-such-bucket', key: 'x', checkMode: 'file_size' },
    });
    const failure = await check(h.temporal, 'no-bucket').then(
      () => undefined,
      (err) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause.message).toMatch(/Sensor no-bucket could not check its source: S3 bucket no-such-bucket: NoSuchBucket/);
    const state = await stateOf(h.temporal, 'no-bucket');
    expect(state.lastError).toMatch(/NoSuchBucket/);
    expect(state.lastFingerprint).toBeUndefined();
    const schedule = await h.temporal.schedule.getHandle('bi-sensor-no-bucket').describe();
    expect(schedule.state.paused).toBe(false);
  });

  it('started exactly the runs counted above, and no others', async () => {
    // 2 (files) + 2 (size) + 1 (mtime): visibility lags, so wait for the count, then check it holds.
    const runs = await until(
      async () => {
        const ids = await runsOnQueue(h);
        return ids.length >= 5 ? ids : undefined;
      },
      60_000,
      'five runs in visibility',
    );
    expect(runs).toHaveLength(5);
    for (const sensor of ['landing-files', 'landing-size', 'landing-mtime']) {
      const state = await stateOf(h.temporal, sensor);
      expect(runs.filter((id) => id.startsWith(`bi-sensor-${sensor}-run-`))).toHaveLength(state.changes);
    }
  });
});
