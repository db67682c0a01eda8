/** Polls probe until it returns a value (not undefined), or fails after timeoutMs. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error a run failed with, from its result. */
export async function failureOf(promise: Promise<unknown>): Promise<{ message: string; type?: string }> {
  try {
    await promise;
  } catch (err) {
    const cause = (err as { cause?: { message: string; type?: string } }).cause;
    return { message: cause?.message ?? (err as Error).message, type: cause?.type };
  }
  throw new Error('expected the run to fail');
}

/** A bound on a wait that only a broken part (a held slot, a stuck pool) can make endless, so that the test fails with its reason. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
