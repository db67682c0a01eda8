// What a module loaded on a chunk thread does when the chunk is stopped or the thread closes. A
// predictor whose work runs outside the thread (a Python model's process) stops that work itself, so
// its thread is never terminated for it, and closes what it started before the thread ends: a child
// process started by a thread is reaped by that thread's event loop only, and one left to a thread
// that was terminated stays a zombie until the worker exits.
const stops = new Set<() => void>();
const ends = new Set<() => void>();
const written = new Set<() => void>();
const closes = new Set<() => Promise<void>>();

/** Called when the chunk in flight is stopped (timeoutPerBatch, cancel); returns the unregister function. */
export function onChunkStop(stop: () => void): () => void {
  stops.add(stop);
  return () => stops.delete(stop);
}

/** Called after every chunk the thread ran, however it ended. */
export function onChunkEnd(end: () => void): void {
  ends.add(end);
}

/**
 * Called after each batch's predictions are written, in the order the batches were scored: the
 * predictor's answer for that batch is read no more (its buffers may be reused).
 */
export function onBatchWritten(done: () => void): void {
  written.add(done);
}

/** Called once before the thread is ended (shutdown, or the pool giving up an idle thread). */
export function onThreadClose(close: () => Promise<void>): void {
  closes.add(close);
}

export function stopChunk(): void {
  for (const stop of stops) stop();
}

export function batchWritten(): void {
  for (const done of written) done();
}

export function endChunk(): void {
  for (const end of ends) end();
}

export async function closeThread(): Promise<void> {
  await Promise.allSettled([...closes].map((close) => close()));
}
