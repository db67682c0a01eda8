// The Temporal SDK logs every worker state change at INFO; a CLI and a test run want warnings only.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function installQuietRuntime(level: 'WARN' | 'ERROR' | 'INFO' = 'WARN'): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}
