// Runs inside a predictor thread: loads predictor modules on first use, scores one batch per
// request and checks the output here, so that a stuck or runaway model only ever stops this thread.
import * as arrow from 'apache-arrow';
import { parentPort } from 'node:worker_threads';
import { normalizeOutput, type OutputColumn } from '../normalizeOutput.js';
import { LoadedPredictors } from './loadSource.js';
import { toThreadError, type ScoreReply, type ScoreRequest } from './protocol.js';

// tsx is registered by threadEntry.mjs already: a plain import loads TypeScript modules too.
const predictors = new LoadedPredictors((url) => import(url) as Promise<Record<string, unknown>>);

/**
 * Buffers to hand back without copying. The request's own IPC buffer belongs to this call, so
 * columns passed through from the input go back as they are; anything else is copied once into a
 * fresh buffer, because the predictor may keep and reuse what it returned.
 */
function transferable(columns: OutputColumn[], requestBuffer: ArrayBufferLike): ArrayBuffer[] {
  const transfer = new Set<ArrayBuffer>();
  const own = (view: ArrayBufferView): ArrayBufferView => {
    if (view.buffer === requestBuffer) {
      transfer.add(view.buffer as ArrayBuffer);
      return view;
    }
    const copy = (view as Uint8Array).slice();
    transfer.add(copy.buffer);
    return copy;
  };
  for (const column of columns) {
    if (ArrayBuffer.isView(column.values)) column.values = own(column.values) as typeof column.values;
    if (column.validity) column.validity = own(column.validity) as Uint8Array;
  }
  return [...transfer];
}

// One batch at a time, in order: the next request waits until this one's reply is sent.
let queue = Promise.resolve();
parentPort!.on('message', (request: ScoreRequest) => {
  queue = queue.then(() => score(request));
});

async function score(request: ScoreRequest): Promise<void> {
  let reply: ScoreReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const predict = await predictors.load(request);
    const input = arrow.tableFromIPC(request.ipc);
    const output = await predict(input, request.context);
    const columns = normalizeOutput(request.predictor, output, input.numRows, request.required, request.finite);
    transfer = transferable(columns, request.ipc.buffer);
    reply = { id: request.id, ok: true, columns };
  } catch (err) {
    reply = { id: request.id, ok: false, error: toThreadError(err) };
  }
  try {
    parentPort!.postMessage(reply, transfer);
  } catch (err) {
    // Output that cannot cross (e.g. functions in an array column): still one reply per request.
    parentPort!.postMessage({ id: request.id, ok: false, error: toThreadError(err) } satisfies ScoreReply);
  }
}
