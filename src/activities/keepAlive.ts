// Long single statements (export, publish) cannot heartbeat from inside; a timer does it for them.
/** Heartbeats every few seconds while a long single statement (export, publish) runs. */
export async function withKeepAlive<T>(heartbeat: () => void, fn: () => Promise<T>, everyMs = 5000): Promise<T> {
  const timer = setInterval(heartbeat, everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
