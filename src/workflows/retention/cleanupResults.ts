// Retention, run by a Temporal Schedule (see src/retention/schedule.ts): deletes what runs that
// closed more than ttlHours ago left on the stage, and stale scratch files.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { CleanupResult } from '../../retention/expiredRuns.js';

const { cleanupExpired } = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { maximumAttempts: 3 },
});

export interface CleanupResultsInput {
  ttlHours: number;
  /** An explicit cutoff (ISO) instead of now − ttlHours: for operators and tests. */
  cutoff?: string;
}

export async function cleanupResults(input: CleanupResultsInput): Promise<CleanupResult> {
  // Date.now() is the workflow clock here: deterministic on replay.
  const cutoff = input.cutoff ?? new Date(Date.now() - input.ttlHours * 3_600_000).toISOString();
  return cleanupExpired({ cutoff });
}
