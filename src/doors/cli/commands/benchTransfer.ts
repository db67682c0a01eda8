// The per-batch transfer cost of a Python model (Arrow IPC both ways), measured on one pooled process
// with nothing else running: each record batch of a parquet file goes through pythonScorer as a chunk
// sends it, and the round trip is split into the user's function and the rest. Shared by
// `batch-inference bench` (its Python section) and bench/python.ts.
import * as arrow from 'apache-arrow';
import { withEngine } from '../../../adapters/localEngine/localEngine.js';
import { normalizeOutput } from '../../../predictors/normalizeOutput.js';
import { resolvePythonModel } from '../../../predictors/python/modelSource.js';
import { PythonPool } from '../../../predictors/python/pythonPool.js';
import type { BatchStats } from '../../../predictors/python/pythonProcess.js';
import { pythonScorer } from '../../../predictors/python/pythonScorer.js';
import { readRecordBatches } from '../../../scoring/recordBatches.js';
import { quoteLiteral } from '../../../spec/identifiers.js';

export interface TransferOptions {
  /** BATCH_PYTHON. */
  python: string;
  /** The model's .py file (or folder). */
  model: string;
  /** Its function; the module's default when absent. */
  functionName?: string;
  /** A parquet file; read again from the start until `batches` batches were measured (after the first). */
  input: string;
  batchRows: number;
  /** Batches measured after the first, which includes the process start (default 9). */
  batches?: number;
}

/** Means over the measured batches, in ms a batch. */
export interface TransferFigures {
  batches: number;
  /** Mean rows of the measured batches (a file smaller than batchRows gives smaller batches). */
  batchRows: number;
  /** Send batch → answer read, seen by the worker. */
  roundTripMs: number;
  /** The user's function alone. */
  fnMs: number;
  /** Python: IPC → pandas.DataFrame. */
  decodeMs: number;
  /** Python: DataFrame → Arrow → IPC. */
  encodeMs: number;
  /** Worker, before the round trip: Arrow table → IPC stream. */
  nodeEncodeMs: number;
  /** Worker, after it: IPC stream → Arrow table → checked columns. */
  nodeDecodeMs: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function measurePythonTransfer(options: TransferOptions): Promise<TransferFigures> {
  const wanted = (options.batches ?? 9) + 1;
  const stats: (BatchStats & { roundTripMs: number })[] = [];
  const encode: number[] = [];
  const decode: number[] = [];
  const rows: number[] = [];
  const pool = new PythonPool({ python: options.python, maxRssMb: 8192, maxIdle: 1 });
  try {
    await withEngine(async (reader) => {
      const scorer = pythonScorer(
        { source: resolvePythonModel(options.model), functionName: options.functionName, onBatch: (s) => stats.push(s) },
        pool,
        {
          predictor: 'transfer',
          place: { worker: 0, chunk: 0 },
          timeoutPerBatch: 3600,
          bounds: { deadline: Date.now() + 3_600_000, signal: new AbortController().signal, heartbeat: () => {}, heartbeatEveryMs: 60_000 },
        },
      );
      try {
        // A small file is read again: every batch after the first counts, whatever the file's size.
        while (stats.length < wanted) {
          for await (const table of readRecordBatches(reader, `read_parquet(${quoteLiteral(options.input)})`, options.batchRows)) {
            if (stats.length >= wanted) break;
            let t = performance.now();
            const ipc = arrow.tableToIPC(table, 'stream');
            encode.push(performance.now() - t);
            t = performance.now();
            normalizeOutput('transfer', arrow.tableFromIPC(ipc), table.numRows);
            decode.push(performance.now() - t);
            rows.push(table.numRows);
            await scorer.score(table, { runId: 'bench', worker: 0, chunk: 0, batch: 0 });
          }
        }
      } finally {
        scorer.close();
      }
    });
  } finally {
    await pool.close();
  }
  const warm = stats.slice(1); // the first batch includes the process start
  return {
    batches: warm.length,
    batchRows: Math.round(mean(rows.slice(1))),
    roundTripMs: mean(warm.map((s) => s.roundTripMs)),
    fnMs: mean(warm.map((s) => s.fnMs)),
    decodeMs: mean(warm.map((s) => s.decodeMs)),
    encodeMs: mean(warm.map((s) => s.encodeMs)),
    nodeEncodeMs: mean(encode),
    nodeDecodeMs: mean(decode),
  };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** The figures as lines: the transfer (round trip − function) first, then where it goes. */
export function describeTransfer(t: TransferFigures): string[] {
  return [
    `round trip ${fmt(t.roundTripMs)} of which predict_fn ${fmt(t.fnMs)}: transfer + framing ${fmt(t.roundTripMs - t.fnMs)} a batch (mean of ${t.batches} batches of ${t.batchRows.toLocaleString('en-US')} rows, one process)`,
    `python side: IPC → pandas ${fmt(t.decodeMs)}, pandas → IPC ${fmt(t.encodeMs)}; node side (not in the round trip): Arrow → IPC ${fmt(t.nodeEncodeMs)}, IPC → Arrow + checked columns ${fmt(t.nodeDecodeMs)}`,
  ];
}
