// Workflows must stay deterministic: they may import only the workflow SDK, other workflow files,
// and type-only modules. Node built-ins, adapters or activities' runtime code would break replay.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../src/workflows/', import.meta.url));
const IMPORT = /^import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const WORKFLOW_SAFE = ['@temporalio/workflow', '@temporalio/common'];

describe('workflow code', () => {
  const files = (fs.readdirSync(DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only workflow-safe modules', (file) => {
    const source = fs.readFileSync(path.join(DIR, file), 'utf8');
    const offending: string[] = [];
    for (const [, typeOnly, target] of source.matchAll(IMPORT)) {
      if (typeOnly) continue;
      const inside = target.startsWith('.') && path.resolve(DIR, path.dirname(file), target).startsWith(DIR);
      if (!WORKFLOW_SAFE.includes(target) && !inside) offending.push(target);
    }
    expect(offending).toEqual([]);
    expect(source).not.toMatch(/\bMath\.random\(|\bsetTimeout\(|\bprocess\.|\brequire\(/);
  });

  it('finds the workflow files', () => {
    expect(files).toEqual(expect.arrayContaining(['run/batchInference.ts', 'run/scoreSlice.ts', 'index.ts']));
  });
});
