// Cuts a run's staged input into chunks of about batchSizeInMb, and the chunk list into
// contiguous slices balanced by bytes, one slice per worker. Pure functions: no I/O.

import type { StagedFile } from '../adapters/warehouse/warehouse.js';

export type { StagedFile };

/** Part of a file: rows [rowStart, rowEnd) by position in the file, or the whole file when absent. */
export interface FilePart {
  key: string;
  rowStart?: number;
  rowEnd?: number;
}

export interface Chunk {
  parts: FilePart[];
  bytes: number;
  rows: number;
}

export interface SliceRange {
  chunkStart: number;
  chunkEnd: number;
  bytes: number;
  rows: number;
}

/** A contiguous range of the run's chunk list, scored by one child workflow (`worker`). */
export interface Slice extends SliceRange {
  worker: number;
}

/** Files up to 1.5× the target stay whole; larger ones are cut by row ranges. */
const SPLIT_FACTOR = 1.5;

export function planChunks(files: readonly StagedFile[], chunkBytes: number): Chunk[] {
  if (!(chunkBytes > 0)) throw new Error('chunkBytes must be positive');
  const chunks: Chunk[] = [];
  let open: Chunk | undefined;
  for (const file of files) {
    if (file.bytes > chunkBytes * SPLIT_FACTOR && file.rows > 1) {
      open = undefined;
      const pieces = Math.min(file.rows, Math.ceil(file.bytes / chunkBytes));
      const rowsPer = Math.ceil(file.rows / pieces);
      for (let start = 0; start < file.rows; start += rowsPer) {
        const end = Math.min(file.rows, start + rowsPer);
        chunks.push({
          parts: [{ key: file.key, rowStart: start, rowEnd: end }],
          bytes: Math.round((file.bytes * (end - start)) / file.rows),
          rows: end - start,
        });
      }
      continue;
    }
    if (open && open.bytes + file.bytes <= chunkBytes) {
      open.parts.push({ key: file.key });
      open.bytes += file.bytes;
      open.rows += file.rows;
    } else {
      open = { parts: [{ key: file.key }], bytes: file.bytes, rows: file.rows };
      chunks.push(open);
    }
  }
  return chunks;
}

/**
 * Rows below which a chunk is not worth its fixed cost: an input too small to give every worker a chunk
 * of at least this many rows gets fewer workers than asked, never tinier chunks.
 */
export const MIN_CHUNK_ROWS = 16_384;

/**
 * Chunks of about chunkBytes, cut smaller when that would leave some of the `workers` without a chunk
 * (parallelWorkers means what it says), down to MIN_CHUNK_ROWS rows a chunk. Never cuts larger chunks.
 */
export function planChunksForWorkers(staged: readonly StagedFile[], chunkBytes: number, workers: number): Chunk[] {
  // An export can stage a file with no rows (DuckDB's COPY did for the bench's 1M rows): as a chunk of its
  // own it took a worker's place, and the one real chunk then ran on one core (issue 14).
  const withRows = staged.filter((f) => f.rows > 0);
  const files = withRows.length > 0 ? withRows : staged;
  const chunks = planChunks(files, chunkBytes);
  if (chunks.length >= workers) {
    // Kept only when it helps: a small piece left by a cut can make planSlices' greedy split worse.
    const even = evenSliceBoundaries(chunks, workers);
    return largestSlice(even, workers) < largestSlice(chunks, workers) ? even : chunks;
  }
  const rows = files.reduce((s, f) => s + f.rows, 0);
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  if (rows === 0 || bytes === 0) return chunks;
  const target = Math.min(workers, Math.floor(rows / MIN_CHUNK_ROWS));
  if (target <= chunks.length) return chunks;
  const smaller = Math.ceil(bytes / target);
  if (smaller >= chunkBytes) return chunks;
  const cut = planChunks(files, smaller);
  return cut.length > chunks.length ? cut : chunks;
}

const largestSlice = (chunks: readonly Chunk[], workers: number) => Math.max(...planSlices(chunks, workers).map((s) => s.bytes));

/** A slice boundary this close to a chunk's edge (a share of one slice's bytes) is left where it falls. */
const SLICE_TOLERANCE = 0.02;

/**
 * Cuts each chunk that a slice boundary falls inside, when it is one part of one file, in two at the
 * row where the boundary falls, so that slices of whole chunks come out even (planSlices then ends a
 * slice exactly there). An export often stages files of unequal size: the bench's Python run got 10
 * files of 1.1M, 1.0M and 0.29M rows, slices of 5.5M and 4.5M rows, and waited for the larger one
 * while the other worker was done. Adds at most one chunk per boundary; never a chunk under
 * MIN_CHUNK_ROWS rows.
 */
export function evenSliceBoundaries(chunks: Chunk[], workers: number): Chunk[] {
  const count = Math.min(workers, chunks.length);
  if (count <= 1) return chunks;
  const total = chunks.reduce((sum, c) => sum + Math.max(c.bytes, 1), 0);
  const share = total / count;
  const out: Chunk[] = [];
  let before = 0;
  let next = 1;
  for (const chunk of chunks) {
    const size = Math.max(chunk.bytes, 1);
    while (next < count && share * next <= before) next++;
    const boundary = share * next;
    const [part] = chunk.parts;
    const rows = Math.round((chunk.rows * (boundary - before)) / size);
    const splits =
      next < count &&
      boundary < before + size &&
      chunk.parts.length === 1 &&
      Math.min(boundary - before, before + size - boundary) > SLICE_TOLERANCE * share &&
      rows >= MIN_CHUNK_ROWS &&
      chunk.rows - rows >= MIN_CHUNK_ROWS;
    if (splits) {
      const start = part.rowStart ?? 0;
      const bytes = Math.round((chunk.bytes * rows) / chunk.rows);
      out.push({ parts: [{ key: part.key, rowStart: start, rowEnd: start + rows }], bytes, rows });
      out.push({
        parts: [{ key: part.key, rowStart: start + rows, rowEnd: start + chunk.rows }],
        bytes: chunk.bytes - bytes,
        rows: chunk.rows - rows,
      });
      next++;
    } else out.push(chunk);
    before += size;
  }
  return out;
}

/**
 * At most `workers` contiguous, non-empty slices whose byte totals are as even as the chunk
 * boundaries allow. Contiguous ranges keep each child's input to two numbers.
 */
export function planSlices(chunks: readonly Chunk[], workers: number): SliceRange[] {
  const count = Math.min(workers, chunks.length);
  if (count === 0) return [];
  const total = chunks.reduce((sum, c) => sum + Math.max(c.bytes, 1), 0);
  const slices: SliceRange[] = [];
  let start = 0;
  let cumulative = 0;
  for (let s = 0; s < count; s++) {
    const remainingSlices = count - s - 1;
    const target = (total * (s + 1)) / count;
    let end = start + 1;
    cumulative += Math.max(chunks[start].bytes, 1);
    // Extend while this slice is below its share and enough chunks remain for the slices after it.
    while (end < chunks.length - remainingSlices) {
      const next = Math.max(chunks[end].bytes, 1);
      if (cumulative + next / 2 > target) break;
      cumulative += next;
      end++;
    }
    if (s === count - 1) {
      for (; end < chunks.length; end++) cumulative += Math.max(chunks[end].bytes, 1);
    }
    const range = chunks.slice(start, end);
    slices.push({
      chunkStart: start,
      chunkEnd: end,
      bytes: range.reduce((sum, c) => sum + c.bytes, 0),
      rows: range.reduce((sum, c) => sum + c.rows, 0),
    });
    start = end;
  }
  return slices;
}
