import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { cleanupExpired, type CleanupResult, type RunStatus } from '../retention/expiredRuns.js';
import { familyStatus } from '../retention/resumeFamily.js';
import type { ActivityContext } from './deps.js';

export interface CleanupExpiredInput {
  /** ISO time: runs closed before it, and leftovers last written before it, are deleted. */
  cutoff: string;
}

/** Retention on this worker's stage; Temporal (through the worker's client) says which runs are open. */
export function makeCleanupExpired(ctx: ActivityContext) {
  return async function cleanupExpiredActivity({ cutoff }: CleanupExpiredInput): Promise<CleanupResult> {
    const activity = Context.current();
    const runStatus = async (runId: string): Promise<RunStatus> => {
      try {
        const d = await activity.client.workflow.getHandle(runId).describe();
        if (d.status.name === 'RUNNING') return { open: true };
        return { open: false, closedAt: d.closeTime ?? d.startTime };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    };
    // A failed run's files stay while a resume of it may still need them (see retention/resumeFamily.ts).
    return cleanupExpired({
      stage: ctx.stage,
      cutoff: new Date(cutoff),
      runStatus: (runId) => familyStatus(runId, runStatus),
      progress: (done) => activity.heartbeat({ done }),
    });
  };
}
