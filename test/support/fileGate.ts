// The test's side of test/fixtures/fileGatedPredictor.ts: where its gates live, and opening them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GATED_PREDICTORS = fileURLToPath(new URL('../fixtures/fileGatedPredictor.ts', import.meta.url));

export interface FileGate {
  /** Environment for a process whose worker loads the gated predictor (named `gatedLinear`). */
  env: Record<string, string>;
  /** Lets the first `chunks` chunks of the run through; the rest wait for open(). */
  allow(runId: string, chunks: number): void;
  open(runId: string): void;
  /** Whether some chunk of the run is waiting at its gate now (or was). */
  waiting(runId: string): boolean;
}

export function fileGate(dir: string): FileGate {
  fs.mkdirSync(dir, { recursive: true });
  const file = (runId: string, suffix: string) => path.join(dir, `${runId}.${suffix}`);
  return {
    env: { BATCH_PREDICTORS: GATED_PREDICTORS, BATCH_TEST_GATE_DIR: dir },
    allow: (runId, chunks) => fs.writeFileSync(file(runId, 'allow'), String(chunks)),
    open: (runId) => fs.writeFileSync(file(runId, 'open'), ''),
    waiting: (runId) => fs.readdirSync(dir).some((n) => n.startsWith(`${runId}.waiting-`)),
  };
}
