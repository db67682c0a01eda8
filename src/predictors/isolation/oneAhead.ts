// Scoring one record batch in a predictor thread while the worker reads the next one: the thread's
// round trip and the model's own time overlap DuckDB's reading instead of adding to it.
import type { OutputColumn } from '../normalizeOutput.js';

export class OneAhead {
  private pending?: Promise<void>;

  /**
   * Queues `consume(await scored)` after the previous batch's, then waits for the previous batch
   * only (or for this one too with `wait`, when the scorer needs the batch's buffers until it is done).
   * Batches are consumed one at a time, in order.
   */
  async add<T>(scored: Promise<T>, consume: (value: T) => Promise<void>, wait: boolean): Promise<void> {
    const previous = this.pending ?? Promise.resolve();
    const work = previous.then(() => scored).then(consume);
    // Awaited here or at the next add/drain; until then a rejection must not count as unhandled.
    scored.catch(() => {});
    work.catch(() => {});
    this.pending = work;
    await previous;
    if (wait) await work;
  }

  async drain(): Promise<void> {
    const last = this.pending;
    this.pending = undefined;
    await last;
  }
}

/** Columns that own their buffers: the record batch's are reused by the next batch. */
export function ownBuffers(columns: OutputColumn[]): OutputColumn[] {
  return columns.map((c) => ({
    ...c,
    values: ArrayBuffer.isView(c.values) ? (c.values.slice() as typeof c.values) : c.values,
    validity: c.validity?.slice() ?? null,
  }));
}
