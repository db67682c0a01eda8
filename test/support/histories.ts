// Recorded workflow histories (test/histories/*.json): what the replay test reads and the recorder writes.
// A file is { workflowId, workflowType, history }: history is the History message as plain JSON
// (protobufjs toObject: longs, enums and bytes as strings) and is read back with fromObject. Not the
// SDK's historyToJSON/historyFromJSON: here @temporalio/common and @temporalio/proto each get their own
// nested protobufjs 8 (a protobufjs 7 is hoisted), and those helpers throw "type must be a Type".
// The workflow id is kept because replay checks it (children's ids derive from it).
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces are not named exports under ESM
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type History = proto.temporal.api.history.v1.IHistory;
const HistoryMessage = proto.temporal.api.history.v1.History;

export const HISTORIES_DIR = fileURLToPath(new URL('../histories', import.meta.url));

export interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  history: unknown;
}

export async function writeHistory(file: string, handle: WorkflowHandle): Promise<History> {
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const recorded: RecordedHistory = {
    workflowId: handle.workflowId,
    workflowType: started?.workflowType?.name ?? 'unknown',
    history: HistoryMessage.toObject(HistoryMessage.fromObject(history), { longs: String, enums: String, bytes: String }),
  };
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, file), formatRecorded(recorded));
  return history;
}

/** Compact, one event per line: small files whose diffs still show which events changed. */
export function formatRecorded({ workflowId, workflowType, history }: RecordedHistory): string {
  const events = ((history as { events?: unknown[] }).events ?? []).map((e) => JSON.stringify(e)).join(',\n');
  return `{"workflowId":${JSON.stringify(workflowId)},"workflowType":${JSON.stringify(workflowType)},"history":{"events":[\n${events}\n]}}\n`;
}

/** Every recorded history, by file name (sorted, so failures read the same on every run). */
export function readHistories(): { file: string; workflowId: string; workflowType: string; history: History }[] {
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const recorded = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
      return {
        file,
        workflowId: recorded.workflowId,
        workflowType: recorded.workflowType,
        history: HistoryMessage.fromObject(recorded.history as Record<string, unknown>),
      };
    });
}

/** Workflow ids of the children a recorded parent started (scoreSlice children, a sensor's run). */
export function childIds(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}
