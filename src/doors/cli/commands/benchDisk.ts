// Before each timed phase of the bench (our measured run, each peer), the data that earlier phases
// wrote is flushed to disk first, so that no phase pays for the kernel writing back another's: the
// model sections write gigabytes (staged files, chunk files, the published table).
import { spawnSync } from 'node:child_process';

/** Flushes dirty pages (`sync`); where there is no `sync` command, it does nothing. */
export function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}
