// Chunk and slice planning (src/planning/chunks.ts): pure functions, checked on many shapes.
import { describe, expect, it } from 'vitest';
import {
  MIN_CHUNK_ROWS,
  evenSliceBoundaries,
  planChunks,
  planChunksForWorkers,
  planSlices,
  type Chunk,
  type StagedFile,
} from '../../src/planning/chunks.js';
import { progressEvery } from '../../src/workflows/run/progressMath.js';

const MB = 1024 * 1024;
const file = (i: number, mb: number, rows = Math.round(mb * 10_000)): StagedFile => ({ key: `in/${i}.parquet`, bytes: mb * MB, rows });

/** Every row of every file, as "key:row", covered by the chunks. */
function coveredRows(chunks: Chunk[], files: StagedFile[]): string[] {
  const rowsOf = new Map(files.map((f) => [f.key, f.rows]));
  return chunks.flatMap((c) =>
    c.parts.flatMap((p) => {
      const start = p.rowStart ?? 0;
      const end = p.rowEnd ?? rowsOf.get(p.key)!;
      return Array.from({ length: end - start }, (_, i) => `${p.key}:${start + i}`);
    }),
  );
}

/** True when the chunks' parts cover every row of every file exactly once (without listing the rows). */
function tilesExactly(chunks: Chunk[], files: StagedFile[]): boolean {
  const ranges = new Map<string, [number, number][]>();
  const rowsOf = new Map(files.map((f) => [f.key, f.rows]));
  for (const p of chunks.flatMap((c) => c.parts))
    ranges.set(p.key, [...(ranges.get(p.key) ?? []), [p.rowStart ?? 0, p.rowEnd ?? rowsOf.get(p.key)!]]);
  return files.every((f) => {
    const sorted = (ranges.get(f.key) ?? []).sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [start, end] of sorted) {
      if (start !== at || end <= start) return false;
      at = end;
    }
    return at === f.rows;
  });
}

describe('planChunksForWorkers: parallelWorkers means what it says', () => {
  it('cuts one small file into a chunk per worker, covering each row once', () => {
    const files = [file(0, 20, 200_000)]; // 20 MB: one chunk at the default 256 MB
    expect(planChunks(files, 256 * MB)).toHaveLength(1);
    const chunks = planChunksForWorkers(files, 256 * MB, 8);
    expect(chunks).toHaveLength(8);
    expect(planSlices(chunks, 8)).toHaveLength(8);
    expect(new Set(coveredRows(chunks, files)).size).toBe(200_000);
    expect(coveredRows(chunks, files)).toHaveLength(200_000);
  });

  it('regroups many small files into a chunk per worker', () => {
    const files = Array.from({ length: 40 }, (_, i) => file(i, 0.5, 5_000));
    const chunks = planChunksForWorkers(files, 256 * MB, 4);
    expect(chunks).toHaveLength(4);
    expect(coveredRows(chunks, files)).toHaveLength(200_000);
  });

  it('stops at MIN_CHUNK_ROWS rows a chunk: a tiny input gets fewer workers than asked', () => {
    const files = [file(0, 1, 3 * MIN_CHUNK_ROWS)];
    const chunks = planChunksForWorkers(files, 256 * MB, 8);
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.rows >= MIN_CHUNK_ROWS)).toBe(true);
    expect(planChunksForWorkers([file(0, 0.01, 500)], 256 * MB, 8)).toHaveLength(1);
  });

  it('gives a file without rows no chunk: it would take a worker’s place and leave the rows on one core', () => {
    const files = [file(0, 8, 1_000_000), { key: 'in/1.parquet', bytes: 137, rows: 0 }];
    const chunks = planChunksForWorkers(files, 8 * MB, 2);
    expect(chunks.map((c) => c.rows)).toEqual([500_000, 500_000]);
    expect(coveredRows(chunks, files)).toHaveLength(1_000_000);
    // Only empty files: planned as before (the run has nothing to score either way).
    expect(planChunksForWorkers([{ key: 'in/0.parquet', bytes: 137, rows: 0 }], 8 * MB, 2)).toHaveLength(1);
  });

  it('cuts the chunk a slice boundary falls inside, so that slices of uneven files come out even', () => {
    // The bench's Python export: nine files of about 1M rows and one of 0.29M. Whole files gave one
    // slice 5.5M rows and the other 4.5M.
    const rows = [1_105_920, 1_105_920, 1_105_920, 1_105_920, 1_105_920, 983_040, 1_105_920, 983_040, 1_105_920, 292_480];
    const files = rows.map((r, i) => file(i, r / 114_000, r));
    const whole = planSlices(planChunks(files, 8 * MB), 2).map((s) => s.rows);
    expect(whole).toEqual([5_529_600, 4_470_400]);
    const chunks = planChunksForWorkers(files, 8 * MB, 2);
    expect(chunks).toHaveLength(11);
    const even = planSlices(chunks, 2).map((s) => s.rows);
    expect(Math.max(...even) / Math.min(...even)).toBeLessThan(1.01);
    expect(tilesExactly(chunks, files)).toBe(true);
  });

  it('evens out slices over many workers and cut files, and leaves a boundary near a chunk edge alone', () => {
    // Files too large to share a chunk (a chunk of several files is never cut), 100k rows a MB.
    const sizes = [6, 17, 9, 12, 8, 16, 11, 7, 13, 6, 10, 14];
    const files = sizes.map((mb, i) => file(i, mb, mb * 100_000));
    for (const workers of [2, 3, 4, 7]) {
      const chunks = planChunksForWorkers(files, 10 * MB, workers);
      const bytes = planSlices(chunks, workers).map((s) => s.bytes);
      const share = bytes.reduce((a, b) => a + b, 0) / workers;
      expect(Math.max(...bytes), `${workers} workers`).toBeLessThan(share * 1.03);
      expect(tilesExactly(chunks, files)).toBe(true);
      expect(chunks.length).toBeLessThanOrEqual(planChunks(files, 10 * MB).length + workers - 1);
    }
    // Two equal files and two workers: the boundary is a chunk edge already; nothing is cut.
    const two = [file(0, 5), file(1, 5)];
    expect(evenSliceBoundaries(planChunks(two, 8 * MB), 2)).toEqual(planChunks(two, 8 * MB));
  });

  it('leaves a boundary within 2% of a chunk edge, and never cuts a piece under MIN_CHUNK_ROWS rows', () => {
    // Two whole files, two workers: the boundary falls 1% of a slice inside the second file.
    const near = [file(0, 10, 10_000_000), file(1, 10.2, 10_200_000)];
    expect(evenSliceBoundaries(planChunks(near, 12 * MB), 2)).toEqual(planChunks(near, 12 * MB));
    // 3% inside (beyond the tolerance), but the piece would hold 300 rows.
    const few = [file(0, 10, 10_000), file(1, 10.6, 10_600)];
    expect(evenSliceBoundaries(planChunks(few, 12 * MB), 2)).toEqual(planChunks(few, 12 * MB));
    // The same layout with enough rows is cut.
    const many = [file(0, 10, 10_000_000), file(1, 10.6, 10_600_000)];
    expect(evenSliceBoundaries(planChunks(many, 12 * MB), 2)).toHaveLength(3);
  });

  it('keeps whole chunks when cutting would make the largest slice larger (a small piece left over)', () => {
    const files = [
      { key: 'in/0.parquet', bytes: 27_142_720, rows: 2_714_272 },
      { key: 'in/1.parquet', bytes: 26_671_680, rows: 2_667_168 },
    ];
    const largest = (chunks: Chunk[]) => Math.max(...planSlices(chunks, 6).map((s) => s.bytes));
    expect(largest(planChunksForWorkers(files, 9 * MB, 6))).toBeLessThanOrEqual(largest(planChunks(files, 9 * MB)));
  });

  it('never makes chunks larger than batchSizeInMb asks', () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i, 1));
    expect(planChunksForWorkers(files, 3 * MB, 2)).toEqual(planChunks(files, 3 * MB));
  });
});

describe('planChunks', () => {
  it('packs small files together up to the batch size', () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i, 1));
    const chunks = planChunks(files, 3 * MB);
    expect(chunks.map((c) => c.parts.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.every((c) => c.bytes <= 3 * MB)).toBe(true);
    expect(chunks.reduce((s, c) => s + c.rows, 0)).toBe(100_000);
  });

  it('cuts a big file into row ranges that cover each row exactly once', () => {
    const files = [file(0, 1), file(1, 10, 12_345), file(2, 1)];
    const chunks = planChunks(files, 3 * MB);
    const rows = coveredRows(chunks, files);
    expect(rows).toHaveLength(10_000 + 12_345 + 10_000);
    expect(new Set(rows).size).toBe(rows.length);
    const pieces = chunks.filter((c) => c.parts[0].key === 'in/1.parquet');
    expect(pieces).toHaveLength(4);
    expect(pieces.every((c) => c.parts.length === 1 && c.parts[0].rowStart !== undefined)).toBe(true);
  });

  it('keeps a file up to 1.5x the batch size whole', () => {
    expect(planChunks([file(0, 1.4)], 1 * MB)).toEqual([{ parts: [{ key: 'in/0.parquet' }], bytes: 1.4 * MB, rows: 14_000 }]);
  });

  it('plans nothing for no files', () => {
    expect(planChunks([], MB)).toEqual([]);
  });
});

describe('planSlices', () => {
  const chunksOf = (sizes: number[]): Chunk[] => sizes.map((mb, i) => ({ parts: [{ key: `k${i}` }], bytes: mb * MB, rows: mb }));

  it('makes at most N contiguous, non-empty slices covering every chunk once', () => {
    for (const [count, workers] of [
      [1, 8],
      [7, 3],
      [100, 8],
      [8, 8],
      [1000, 100],
    ]) {
      const chunks = chunksOf(Array.from({ length: count }, (_, i) => 1 + (i % 5)));
      const slices = planSlices(chunks, workers);
      expect(slices.length).toBe(Math.min(count, workers));
      expect(slices[0].chunkStart).toBe(0);
      expect(slices[slices.length - 1].chunkEnd).toBe(count);
      slices.forEach((s, i) => {
        expect(s.chunkEnd).toBeGreaterThan(s.chunkStart);
        if (i > 0) expect(s.chunkStart).toBe(slices[i - 1].chunkEnd);
      });
    }
  });

  it('balances slices by bytes, not by chunk count', () => {
    const slices = planSlices(chunksOf([8, 1, 1, 1, 1, 1, 1, 1, 1]), 2);
    expect(slices.map((s) => s.bytes / MB)).toEqual([8, 8]);
    const even = planSlices(chunksOf(Array(100).fill(1)), 4);
    expect(even.map((s) => s.chunkEnd - s.chunkStart)).toEqual([25, 25, 25, 25]);
  });

  it('gives no slices for no chunks', () => {
    expect(planSlices([], 8)).toEqual([]);
  });

  it('handles 100,000 chunks over 100 workers with two numbers per slice', () => {
    const slices = planSlices(chunksOf(Array(100_000).fill(1)), 100);
    expect(slices).toHaveLength(100);
    expect(slices.every((s) => s.chunkEnd - s.chunkStart === 1000)).toBe(true);
    expect(JSON.stringify(slices).length).toBeLessThan(10_000);
  });
});

describe('progress signals', () => {
  it('stay near 1,000 per run whatever the number of slices and chunks', () => {
    for (const [slices, chunksPerSlice] of [
      [1, 100_000],
      [8, 12_500],
      [100, 1000],
      [100, 3],
    ]) {
      const every = progressEvery(slices)(chunksPerSlice);
      const signals = slices * Math.ceil(chunksPerSlice / every);
      expect(signals).toBeLessThanOrEqual(1100);
    }
  });
});
