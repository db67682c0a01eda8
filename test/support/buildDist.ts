// Tests that spawn bin/batch-inference.js run dist/, so bring dist/ up to date with the sources before any
// test (tsc -b: about a second when nothing changed), then copy the assets tsc does not emit (the
// predictor thread's .mjs entry, the Python runner): a CLI test then never runs a stale or partial build.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // tsc still emits on type errors; tests may run (tsc --noEmit in CI fails on them), with the reason shown.
    const out = err as { stdout?: Buffer; message: string };
    console.warn(`npm run build reported errors; CLI tests run what it emitted:\n${out.stdout?.toString() || out.message}`);
  }
  execFileSync(process.execPath, ['scripts/copy-assets.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}
