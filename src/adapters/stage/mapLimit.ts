// Bounded parallelism for I/O over many objects (uploads, downloads): enough to fill the pipe,
// few enough not to exhaust sockets or file handles.

/**
 * fn over items, at most `limit` at a time, results in the order of items. After a failure no new
 * item starts, and the first error is thrown only once every item already started has settled, so
 * a caller's clean-up never races work still in flight.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  let next = 0;
  const lane = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
  return out;
}
