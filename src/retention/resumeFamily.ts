// Retention of a failed run and its resumes: a resume reads the failed run's staged input (and, at its
// start, copies its finished chunks), and a failed resume may be resumed in turn. So the files of every
// run of a family (<root>, <root>-resume-1, …) are kept while any of them is open, and expire together,
// BATCH_RESULT_TTL_HOURS after the last of them closed.
import { familyMembers } from '../resume/runFamily.js';
import type { RunStatus } from './expiredRuns.js';

/** The run's status for retention: open if any run of its family is open, else closed when the last one closed. */
export async function familyStatus(runId: string, runStatus: (runId: string) => Promise<RunStatus>): Promise<RunStatus> {
  const members = await familyMembers(runId, runStatus);
  if (members.length === 0) return undefined;
  let closedAt: Date | undefined;
  for (const { found } of members) {
    if (!found) continue;
    if (found.open) return { open: true };
    if (!closedAt || found.closedAt > closedAt) closedAt = found.closedAt;
  }
  return closedAt ? { open: false, closedAt } : undefined;
}
