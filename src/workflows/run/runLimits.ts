// Pure helpers for the run's limits and its visible state. Deterministic: workflow APIs only.
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RunState } from './contract.js';
import { STATE_KEY, TENANT_KEY } from './searchAttributes.js';

export const DEFAULT_TIMEOUT_MINUTES = 60;
const MAX_TIMEOUT_MINUTES = 10_080;

/**
 * The spec's timeoutMinutes, read before the spec is validated (the deadline covers preparing too);
 * an invalid value fails validation at once, so the default is only a fallback.
 */
export function timeoutMinutesOf(spec: unknown): number {
  let raw = spec;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return DEFAULT_TIMEOUT_MINUTES;
    }
  }
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).timeoutMinutes : undefined;
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? Math.min(value, MAX_TIMEOUT_MINUTES) : DEFAULT_TIMEOUT_MINUTES;
}

/** Makes the run's state searchable (BatchState), when the run was started with search attributes. */
export function recordState(state: RunState): void {
  if (workflowInfo().typedSearchAttributes.get(TENANT_KEY) === undefined) return;
  upsertSearchAttributes([{ key: STATE_KEY, value: state }]);
}
