// What the client does to resume a failed run: check that the run may be resumed (ours, failed, not
// resumed already), read the spec and options it was started with from its history, apply the allowed
// overrides, and name the resume <root>-resume-<n>. Starting it is the client's ordinary start.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { applyOverrides, pinModelVersion } from '../resume/overrides.js';
import { familyMembers, familyRoot, resumeId } from '../resume/runFamily.js';
import { WORKFLOW_TYPE, type RunOptions, type RunRef } from '../workflows/run/contract.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

export type ResumeRefusal = 'unknown' | 'running' | 'completed' | 'cancelled' | 'resumed' | 'never-started';

/** The run cannot be resumed: why (`reason`), and what to do instead (in the message). */
export class ResumeRefusedError extends Error {
  constructor(
    readonly runId: string,
    readonly reason: ResumeRefusal,
    message: string,
    /** The resume that already continues this run, when reason is 'resumed'. */
    readonly resumedBy?: string,
  ) {
    super(message);
    this.name = 'ResumeRefusedError';
  }
}

/** What the client starts: the failed run's spec with the overrides, under the resume's id. */
export interface ResumePlan {
  runId: string;
  spec: Record<string, unknown>;
  tenant: string;
  runOptions: RunOptions;
  resumeOf: RunRef;
}

interface Seen {
  status: string;
  executionId: string;
  memo: Record<string, unknown>;
  type: string;
  taskQueue: string;
}

async function describe(temporal: Client, runId: string): Promise<Seen | undefined> {
  try {
    const d = await temporal.workflow.getHandle(runId).describe();
    return { status: d.status.name, executionId: d.runId, memo: d.memo ?? {}, type: d.type, taskQueue: d.taskQueue };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The resume number in an id (0 for the root). */
const numberOf = (id: string) => Number(/-resume-(\d+)$/.exec(id)?.[1] ?? 0);

export async function planResume(
  temporal: Client,
  where: { namespace: string; taskQueue: string },
  runId: string,
  overrides: unknown,
  failureType: (runId: string) => Promise<string | undefined>,
): Promise<ResumePlan> {
  const run = await describe(temporal, runId);
  if (!run || run.type !== WORKFLOW_TYPE || run.taskQueue !== where.taskQueue) {
    throw new ResumeRefusedError(runId, 'unknown', `No run ${runId} to resume; give the id of a failed run`);
  }
  if (run.status === 'RUNNING') {
    throw new ResumeRefusedError(
      runId,
      'running',
      `Run ${runId} is still running; only a failed run can be resumed (wait for it, or cancel it and start it anew)`,
    );
  }
  if (run.status === 'COMPLETED')
    throw new ResumeRefusedError(runId, 'completed', `Run ${runId} has completed; there is nothing to resume`);
  if (run.status === 'CANCELLED') {
    throw new ResumeRefusedError(runId, 'cancelled', `Run ${runId} was cancelled, which deletes its staged files; start it anew instead`);
  }
  if ((await failureType(runId)) === 'SubmitAbandoned') {
    throw new ResumeRefusedError(runId, 'never-started', `Run ${runId} never started (its start came too late); start it anew instead`);
  }

  // Overrides first: a change that is not allowed is refused whatever else is true of the run.
  const [original, startOptions] = await startArgs(temporal, where.namespace, runId, run.executionId);
  const spec = pinModelVersion(applyOverrides(runId, original, overrides), run.memo.model);

  // Resuming an earlier member of the family would throw away what a later one finished.
  const members = await familyMembers(runId, (id) => describe(temporal, id));
  const later = members.filter((m) => numberOf(m.id) > numberOf(runId));
  if (later.length) {
    const last = later[later.length - 1];
    const what =
      last.found.status === 'RUNNING'
        ? `is being resumed by ${last.id}`
        : last.found.status === 'COMPLETED'
          ? `was resumed by ${last.id}, which completed`
          : `was resumed by ${last.id} (${last.found.status.toLowerCase()}); resume ${last.id} instead, it went further`;
    throw new ResumeRefusedError(runId, 'resumed', `Run ${runId} ${what}`, last.id);
  }

  const tenant = typeof run.memo.tenant === 'string' ? run.memo.tenant : (startOptions.tenant ?? DEFAULT_TENANT);
  const resumeOf = { runId, executionId: run.executionId };
  const last = members.reduce((n, m) => Math.max(n, numberOf(m.id)), numberOf(runId));
  return {
    runId: resumeId(familyRoot(runId), last + 1),
    spec,
    tenant,
    // A start deadline belonged to the failed run's submitter; the rest of its options carry over.
    runOptions: { ...(startOptions.chunksPerRun ? { chunksPerRun: startOptions.chunksPerRun } : {}), resumeOf },
    resumeOf,
  };
}

/** The spec and options the failed execution was started with: the first event of its history. */
async function startArgs(
  temporal: Client,
  namespace: string,
  workflowId: string,
  runId: string,
): Promise<[Record<string, unknown>, RunOptions]> {
  const { history } = await temporal.workflowService.getWorkflowExecutionHistory({
    namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = (history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
  const [spec, options] = payloads.map((p) => defaultPayloadConverter.fromPayload<unknown>(p));
  if (typeof spec !== 'object' || spec === null) throw new Error(`Run ${workflowId} has no job spec in its history`);
  return [spec as Record<string, unknown>, (options ?? {}) as RunOptions];
}

/** Links shown in a run's status: the run it resumes (memo) and, for a failed run, the resume that continues it. */
export async function resumeLinks(
  temporal: Client,
  runId: string,
  memo: Record<string, unknown>,
  failed: boolean,
): Promise<{ resumeOf?: string; resumedBy?: string }> {
  const links: { resumeOf?: string; resumedBy?: string } = {};
  if (typeof memo.resumeOf === 'string') links.resumeOf = memo.resumeOf;
  if (failed) {
    const next = resumeId(familyRoot(runId), numberOf(runId) + 1);
    const seen = await describe(temporal, next).catch(() => undefined);
    if (seen?.memo.resumeOf === runId) links.resumedBy = next;
  }
  return links;
}
