// What a resume may change (src/resume/overrides.ts) and how retention ages a resume family
// (src/retention/resumeFamily.ts): pure logic, no server.
import { describe, expect, it } from 'vitest';
import { applyOverrides, changedFields, pinModelVersion, ResumeOverrideError } from '../../src/resume/overrides.js';
import { familyRoot, resumeId } from '../../src/resume/runFamily.js';
import type { RunStatus } from '../../src/retention/expiredRuns.js';
import { familyStatus } from '../../src/retention/resumeFamily.js';
import type { ResolvedSpec } from '../../src/spec/types.js';

const original = { inputQuery: 'SELECT 1 AS id', predictor: 'p', outputTableName: 'T', timeoutPerBatch: 5, batchSizeInMb: 2 };

describe('resume overrides', () => {
  it('pins the model version the failed run resolved, and compares the resolved model, not the request', () => {
    const resolved = { name: 'churn', version: 3, function: 'predict_proba', kind: 'onnx', sha256: 'a'.repeat(64) };
    const asked = { ...original, predictor: undefined, model: 'churn' };
    expect(pinModelVersion(asked, resolved).model).toEqual({ name: 'churn', version: 3, function: 'predict_proba' });
    // A predictor run, or a run that failed before it resolved its model, is left as it was.
    expect(pinModelVersion(original, resolved)).toBe(original);
    expect(pinModelVersion(asked, undefined)).toBe(asked);
    const failed = { ...original, modelRef: 'churn', model: resolved } as unknown as ResolvedSpec;
    const pinned = { ...failed, modelRef: { name: 'churn', version: 3, function: 'predict_proba' } } as unknown as ResolvedSpec;
    expect(changedFields(failed, pinned)).toEqual([]);
    const newer = { ...pinned, model: { ...resolved, version: 4, sha256: 'b'.repeat(64) } } as unknown as ResolvedSpec;
    expect(changedFields(failed, newer)).toEqual(['model']);
  });

  it('lets operational fields change and keeps everything else', () => {
    const spec = applyOverrides('r', original, { timeoutPerBatch: 600, retries: 1, parallelWorkers: 8, batchRows: 4096, batchSizeInMb: 2 });
    expect(spec).toEqual({ ...original, timeoutPerBatch: 600, retries: 1, parallelWorkers: 8, batchRows: 4096 });
    expect(applyOverrides('r', original, undefined)).toEqual(original);
  });

  it('refuses every other field at once, naming it, what it got and the fix', () => {
    const err = (() => {
      try {
        applyOverrides('r', original, { inputQuery: 'SELECT 2', outputPath: 'x', batchSizeInMb: 3, timeoutMinutes: 9 });
      } catch (e) {
        return e as ResumeOverrideError;
      }
    })();
    expect(err).toBeInstanceOf(ResumeOverrideError);
    expect(err!.problems.map((p) => p.field)).toEqual(['inputQuery', 'outputPath', 'batchSizeInMb']);
    expect(err!.problems[0].message).toMatch(/^got "SELECT 2", but only timeoutPerBatch, .* start a new run/);
    expect(err!.problems[2].message).toContain('cut at 2 MB');
    // batchSizeInMb absent from the failed spec: its default (256) is the plan.
    expect(() => applyOverrides('r', { predictor: 'p' }, { batchSizeInMb: 256 })).not.toThrow();
    expect(() => applyOverrides('r', original, ['timeoutPerBatch'])).toThrow(ResumeOverrideError);
  });

  it('the worker-side comparison ignores operational fields only', () => {
    const base = { renderedQuery: 'q', predictor: 'p', timeoutPerBatch: 5, retries: 3, batchSizeInMb: 1 } as unknown as ResolvedSpec;
    expect(changedFields(base, { ...base, timeoutPerBatch: 60, retries: 0, batchRows: 10 })).toEqual([]);
    expect(changedFields(base, { ...base, renderedQuery: 'q2', batchSizeInMb: 2 })).toEqual(['batchSizeInMb', 'renderedQuery']);
  });
});

describe('resume family retention', () => {
  const closed = (iso: string): RunStatus => ({ open: false, closedAt: new Date(iso) });

  it('names resumes after the root', () => {
    expect(resumeId('bi-1', 2)).toBe('bi-1-resume-2');
    expect(familyRoot('bi-1-resume-12')).toBe('bi-1');
    expect(familyRoot('bi-1')).toBe('bi-1');
  });

  it('is open while any member is open, and else as old as its last close', async () => {
    const known: Record<string, RunStatus> = {
      f: closed('2026-01-01T00:00:00Z'),
      'f-resume-1': closed('2026-01-03T00:00:00Z'),
      'f-resume-2': closed('2026-01-02T00:00:00Z'),
    };
    const lookup = async (id: string) => known[id];
    expect(await familyStatus('f', lookup)).toEqual(closed('2026-01-03T00:00:00Z'));
    expect(await familyStatus('f-resume-2', lookup)).toEqual(closed('2026-01-03T00:00:00Z'));
    known['f-resume-3'] = { open: true };
    expect(await familyStatus('f', lookup)).toEqual({ open: true });
    // The root past Temporal's retention: its resumes still speak for it.
    delete known.f;
    expect(await familyStatus('f', lookup)).toEqual({ open: true });
    expect(await familyStatus('unknown', lookup)).toBeUndefined();
  });
});
