// The framing between the worker and a Python model process, the environment a model process gets,
// and the Python settings: pure code, no Python needed.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PythonProtocolError } from '../../src/predictors/python/errors.js';
import { FrameReader, frameHeader } from '../../src/predictors/python/frames.js';
import { pythonPoolFor } from '../../src/predictors/python/pythonPool.js';
import { modelEnv } from '../../src/predictors/python/pythonProcess.js';

const frame = (kind: 'J' | 'A', payload: Buffer) => Buffer.concat([frameHeader(kind, payload.length), payload]);

describe('python frames', () => {
  it('cuts frames out of a stream however it is split', () => {
    const stream = Buffer.concat([
      frame('J', Buffer.from('{"type":"ready"}')),
      frame('A', Buffer.alloc(70_000, 7)),
      frame('J', Buffer.from('{}')),
    ]);
    for (const [step, options] of [1, 3, 5, 4096, stream.length].flatMap(
      (s) =>
        [
          [s, {}],
          [s, { reusePayloads: true }],
        ] as const,
    )) {
      const reader = new FrameReader(options);
      reader.expectAnswer();
      const frames = [];
      for (let at = 0; at < stream.length; at += step) frames.push(...reader.push(stream.subarray(at, at + step)));
      expect(frames.map((f) => [f.kind, f.payload.length])).toEqual([
        ['J', 16],
        ['A', 70_000],
        ['J', 2],
      ]);
      expect(frames[1].payload.every((b) => b === 7)).toBe(true);
    }
  });

  it('hands out an Arrow payload read in pieces 8-byte aligned (apache-arrow copies a body that is not)', () => {
    const stream = Buffer.concat([frame('J', Buffer.from('{"type":"result"}')), frame('A', Buffer.alloc(200_000, 3))]);
    for (const options of [{}, { reusePayloads: true }]) {
      const reader = new FrameReader(options);
      const frames = [];
      for (let at = 0; at < stream.length; at += 65_536) frames.push(...reader.push(stream.subarray(at, at + 65_536)));
      expect(frames[1].payload.length).toBe(200_000);
      expect(frames[1].payload.byteOffset % 8).toBe(0);
    }
  });

  it('reads an empty frame, also when it is the last byte buffered', () => {
    for (const options of [{}, { reusePayloads: true }]) {
      const reader = new FrameReader(options);
      reader.expectAnswer();
      expect(reader.push(frameHeader('J', 0)).map((f) => [f.kind, f.payload.length])).toEqual([['J', 0]]);
      expect(reader.push(frameHeader('A', 0)).map((f) => [f.kind, f.payload.length])).toEqual([['A', 0]]);
    }
  });

  it('gives an Arrow frame no request asked for bytes of its own: it cannot overwrite an answer in use', () => {
    const reader = new FrameReader({ reusePayloads: true });
    reader.expectAnswer();
    // The answer and a stray frame (the model writing to the pipe itself) in one read.
    const [answer, stray] = reader.push(Buffer.concat([frame('A', Buffer.alloc(100_000, 1)), frame('A', Buffer.alloc(100_000, 9))]));
    expect(answer.payload.every((b) => b === 1)).toBe(true);
    expect(stray.payload.every((b) => b === 9)).toBe(true);
    // Another stray frame after the answer was delivered: still its own bytes.
    const [later] = reader.push(frame('A', Buffer.alloc(100_000, 7)));
    expect(later.payload.every((b) => b === 7)).toBe(true);
    expect(answer.payload.every((b) => b === 1)).toBe(true);
  });

  it('with reusePayloads, joins each Arrow answer into a reused buffer once the last one is released, and control frames into their own', () => {
    const reader = new FrameReader({ reusePayloads: true });
    const read = (kind: 'J' | 'A', payload: Buffer) => {
      if (kind === 'A') reader.expectAnswer();
      const bytes = frame(kind, payload);
      const frames = [];
      for (let at = 0; at < bytes.length; at += 65_536) frames.push(...reader.push(bytes.subarray(at, at + 65_536)));
      expect(frames).toHaveLength(1);
      return frames[0];
    };
    const first = read('A', Buffer.alloc(150_000, 1));
    expect(first.payload.every((b) => b === 1)).toBe(true);
    const control = read('J', Buffer.from('{"type":"result"}'));
    expect(control.release).toBeUndefined();
    first.release!();
    const second = read('A', Buffer.alloc(120_000, 2));
    expect(second.payload.every((b) => b === 2)).toBe(true);
    // The first answer's bytes are gone: its caller released them. (Booleans: a diff of two
    // 150 kB buffers takes vitest minutes to print.)
    expect(second.payload.buffer === first.payload.buffer).toBe(true);
    expect(control.payload.buffer === first.payload.buffer).toBe(false);
    expect(control.payload.toString()).toBe('{"type":"result"}');
    // Without the option every payload has bytes of its own.
    const fresh = new FrameReader();
    const a = fresh.push(frame('A', Buffer.alloc(150_000, 1)))[0];
    const b = fresh.push(frame('A', Buffer.alloc(150_000, 2)))[0];
    expect(a.payload.every((x) => x === 1) && b.payload.every((x) => x === 2)).toBe(true);
    expect(a.release === undefined && b.payload.buffer !== a.payload.buffer).toBe(true);
  });

  it('never writes over an answer not yet released: two held answers have two buffers, a third gets its own bytes', () => {
    const reader = new FrameReader({ reusePayloads: true });
    const answer = (fill: number) => {
      reader.expectAnswer();
      return reader.push(frame('A', Buffer.alloc(100_000, fill)))[0];
    };
    const intact = (f: { payload: Buffer }, fill: number) => f.payload.every((b) => b === fill);
    // The chunk thread's lookahead: answer 2 arrives while answer 1 is still being written.
    const one = answer(1);
    const two = answer(2);
    expect(one.payload.buffer !== two.payload.buffer && intact(one, 1)).toBe(true);
    // Both held: a third answer (or a stray frame) cannot take either buffer.
    const three = answer(3);
    expect(three.release).toBeUndefined();
    expect(three.payload.buffer !== one.payload.buffer && three.payload.buffer !== two.payload.buffer).toBe(true);
    expect(intact(one, 1) && intact(two, 2) && intact(three, 3)).toBe(true);
    // Batch 1 written: its buffer takes the next answer, batch 2's stays as it was.
    one.release!();
    const four = answer(4);
    expect(four.payload.buffer === one.payload.buffer && intact(four, 4) && intact(two, 2)).toBe(true);
  });

  it('refuses an unknown frame kind instead of reading garbage as data', () => {
    const reader = new FrameReader();
    expect(() => reader.push(Buffer.from('hello world'))).toThrow(PythonProtocolError);
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
