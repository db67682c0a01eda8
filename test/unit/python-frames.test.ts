// The framing and the batch files between the worker and a Python model process, the environment a model process gets,
// and the Python settings: pure code, no Python needed.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PythonProtocolError } from '../../src/predictors/python/errors.js';
import fs from 'node:fs';
import os from 'node:os';
import { AnswerBuffers } from '../../src/predictors/python/answerBuffers.js';
import { BATCH_FILE_PAIRS, BatchFiles, MAX_BATCH_BYTES, batchFolder } from '../../src/predictors/python/batchFiles.js';
import { FrameReader, MAX_FRAME_BYTES, frameHeader } from '../../src/predictors/python/frames.js';
import { pythonPoolFor } from '../../src/predictors/python/pythonPool.js';
import { modelEnv } from '../../src/predictors/python/pythonProcess.js';

const frame = (payload: Buffer) => Buffer.concat([frameHeader(payload.length), payload]);

describe('python control frames', () => {
  it('cuts frames out of a stream however it is split', () => {
    const stream = Buffer.concat([frame(Buffer.from('{"type":"ready"}')), frame(Buffer.alloc(70_000, 7)), frame(Buffer.from('{}'))]);
    for (const step of [1, 3, 5, 4096, stream.length]) {
      const reader = new FrameReader();
      const frames = [];
      for (let at = 0; at < stream.length; at += step) frames.push(...reader.push(stream.subarray(at, at + step)));
      expect(frames.map((f) => f.length)).toEqual([16, 70_000, 2]);
      expect(frames[1].every((b) => b === 7)).toBe(true);
    }
  });

  it('reads an empty frame, also when it is the last byte buffered', () => {
    const reader = new FrameReader();
    expect(reader.push(frameHeader(0)).map((f) => f.length)).toEqual([0]);
  });

  it('refuses an unknown frame kind (an Arrow frame of the old protocol, garbage) and a frame larger than control messages get', () => {
    expect(() => new FrameReader().push(Buffer.from('hello world'))).toThrow(PythonProtocolError);
    const arrowFrame = Buffer.from([0x41, 4, 0, 0, 0, 1, 2, 3, 4]);
    expect(() => new FrameReader().push(arrowFrame)).toThrow(/unknown frame kind 0x41/);
    const huge = frameHeader(MAX_FRAME_BYTES + 1);
    expect(() => new FrameReader().push(huge)).toThrow(/frame of/);
  });
});

describe('answer buffers', () => {
  it('never hands out a buffer whose answer is held: two held answers have two buffers, a third gets none', () => {
    const buffers = new AnswerBuffers();
    // The chunk thread's lookahead: answer 2 arrives while answer 1 is still being written.
    const one = buffers.claim(100_000)!;
    const two = buffers.claim(100_000)!;
    expect(one.buffer.buffer !== two.buffer.buffer).toBe(true);
    expect(buffers.claim(10)).toBeUndefined();
    // Batch 1 written: its buffer takes the next answer; one too small for it is replaced.
    one.release();
    const three = buffers.claim(50_000)!;
    expect(three.buffer.buffer === one.buffer.buffer).toBe(true);
    three.release();
    const four = buffers.claim(300_000)!;
    expect(four.buffer.length).toBeGreaterThanOrEqual(300_000);
    expect(four.buffer.buffer !== one.buffer.buffer && four.buffer.buffer !== two.buffer.buffer).toBe(true);
    // Each starts 8-byte aligned: apache-arrow copies a message body that is not.
    for (const b of [one, two, four]) expect(b.buffer.byteOffset % 8).toBe(0);
  });
});

/** This process's open descriptors. */
const openFds = () => fs.readdirSync('/proc/self/fd').length;

describe('batch files', () => {
  it('carry a batch and an answer through unlinked files, emptied on request, and closed on close', () => {
    const before = openFds();
    const files = new BatchFiles();
    expect(files.childFds).toHaveLength(2 * BATCH_FILE_PAIRS);
    expect(openFds()).toBe(before + 2 * BATCH_FILE_PAIRS);
    // No name in the file system: they end with the last descriptor.
    for (const fd of files.childFds) expect(fs.fstatSync(fd).nlink).toBe(0);
    // The child's side: what the worker wrote to pair 1's batch is there; an answer written there is read back.
    const batch = Buffer.alloc(300_000, 5);
    files.writeBatch(1, batch);
    const [batchFd1, answerFd1] = [files.childFds[1], files.childFds[BATCH_FILE_PAIRS + 1]];
    const seen = Buffer.alloc(batch.length);
    fs.readSync(batchFd1, seen, 0, seen.length, 0);
    expect(seen.equals(batch)).toBe(true);
    fs.writeSync(answerFd1, Buffer.alloc(200_000, 9), 0, 200_000, 0);
    const answer = files.readAnswer(1, 200_000);
    expect(answer.length === 200_000 && answer.every((b) => b === 9)).toBe(true);
    // Into a buffer of the caller's, at its start.
    const into = Buffer.alloc(250_000, 1);
    expect(files.readAnswer(1, 1000, () => into).buffer).toBe(into.buffer);
    // Emptied (the process went back to its pool): nothing of this batch stays for the next chunk.
    files.empty();
    for (const fd of files.childFds) expect(fs.fstatSync(fd).size).toBe(0);
    files.close();
    expect(openFds()).toBe(before);
    expect(() => files.writeBatch(0, batch)).toThrow(PythonProtocolError);
    expect(() => files.readAnswer(0, 0)).toThrow(PythonProtocolError);
  });

  it("checks an answer's length against its file before sizing any buffer for it: a broken or hostile process's lengths are not trusted", () => {
    const files = new BatchFiles();
    try {
      fs.writeSync(files.childFds[BATCH_FILE_PAIRS], Buffer.alloc(100), 0, 100, 0);
      const sized: number[] = [];
      const into = (n: number) => (sized.push(n), Buffer.alloc(n));
      for (const length of [101, 2 ** 30, -1, 1.5, Number.NaN, MAX_BATCH_BYTES + 1]) {
        expect(() => files.readAnswer(0, length, into)).toThrow(PythonProtocolError);
      }
      expect(sized).toEqual([]);
      expect(files.readAnswer(0, 100, into)).toHaveLength(100);
      expect(sized).toEqual([100]);
    } finally {
      files.close();
    }
  });

  it('live in /dev/shm only when it has room, else in the temporary folder', () => {
    expect(batchFolder('/no/such/folder')).toBe(os.tmpdir());
    const shm = fs.existsSync('/dev/shm') ? fs.statfsSync('/dev/shm') : undefined;
    if (shm && shm.bavail * shm.bsize >= 2 ** 30) expect(batchFolder()).toBe('/dev/shm');
  });

  it('hands out each pair to one request at a time, in the order asked for', async () => {
    const files = new BatchFiles();
    try {
      const a = await files.acquire();
      const b = await files.acquire();
      expect(new Set([a, b]).size).toBe(2);
      const order: number[] = [];
      const c = files.acquire().then((p) => (order.push(3), p));
      const d = files.acquire().then((p) => (order.push(4), p));
      await new Promise((r) => setImmediate(r));
      expect(order).toEqual([]);
      files.release(b);
      expect(await c).toBe(b);
      files.release(a);
      expect(await d).toBe(a);
      expect(order).toEqual([3, 4]);
    } finally {
      files.close();
    }
  });
});

describe('a model process environment', () => {
  it("keeps the model's own settings and drops the worker's credentials and settings", () => {
    const env = modelEnv({
      PATH: '/usr/bin',
      OMP_NUM_THREADS: '1',
      BATCH_API_TOKENS: 't:a',
      AWS_SECRET_ACCESS_KEY: 's',
      SNOWFLAKE_PASSWORD: 'p',
      TEMPORAL_ADDRESS: 'x',
      GITHUB_TOKEN: 'g',
      MY_DB_PASSWORD: 'p',
    });
    expect(env).toEqual({ PATH: '/usr/bin', OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' });
  });
});

describe('python settings', () => {
  it('default to python3 and 4096 MB, and name the variable when invalid', () => {
    expect(loadConfig({}).python).toEqual({ executable: 'python3', maxRssMb: 4096 });
    expect(loadConfig({ BATCH_PYTHON: '/opt/venv/bin/python', BATCH_PYTHON_MAX_RSS_MB: '512' }).python).toEqual({
      executable: '/opt/venv/bin/python',
      maxRssMb: 512,
    });
    expect(() => loadConfig({ BATCH_PYTHON_MAX_RSS_MB: '10' })).toThrow(/BATCH_PYTHON_MAX_RSS_MB/);
    const pool = pythonPoolFor(loadConfig({ BATCH_PYTHON: 'py', BATCH_PYTHON_MAX_RSS_MB: '100', BATCH_MAX_CONCURRENT_ACTIVITIES: '3' }));
    expect(pool.options).toMatchObject({ python: 'py', maxRssMb: 100, maxIdle: 3 });
  });
});
