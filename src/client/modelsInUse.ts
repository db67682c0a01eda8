// Which open runs use a model version: open batchInference runs of this task queue from Temporal
// visibility, read by their memo. A run records what it asked for at start (memo.modelRef) and the
// version it resolved once prepared (memo.model): a run asking for the latest that has not resolved
// yet counts as using the latest version.
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../workflows/run/contract.js';
import { parseModelRef } from '../models/modelRef.js';

function usesVersion(memo: Record<string, unknown> | undefined, name: string, version: number, latest: number | undefined): boolean {
  const resolved = memo?.model as { name?: unknown; version?: unknown } | undefined;
  if (resolved && typeof resolved === 'object') return resolved.name === name && resolved.version === version;
  if (memo?.modelRef === undefined) return false;
  try {
    const ref = parseModelRef(memo.modelRef);
    return ref.name === name && (ref.version ?? latest) === version;
  } catch {
    return false;
  }
}

export async function openRunsUsingModel(
  client: Client,
  taskQueue: string,
  name: string,
  version: number,
  latest: number | undefined,
): Promise<string[]> {
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}' AND ExecutionStatus = 'Running'`;
  const found: string[] = [];
  for await (const run of client.workflow.list({ query })) {
    if (usesVersion(run.memo, name, version, latest)) found.push(run.workflowId);
  }
  return found;
}
