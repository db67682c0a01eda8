// Before each timed phase of the bench (our measured run, each peer), the data that earlier phases
// wrote is flushed to disk first: the model sections write gigabytes (staged files, chunk files, the
// published table), and the kernel writing them back during the next phase slowed whichever phase came
// next (the Python section after the ONNX one: 1.34–1.46× its peer against 1.04–1.22× on its own).
import { spawnSync } from 'node:child_process';

/** Flushes dirty pages (`sync`); where there is no `sync` command, it does nothing. */
export function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}
