// How `run --wait` and `resume --wait` end once the run has closed: the summary and exit 0 when it
// completed, else its state and error and exit 1.
import type { BatchInferenceClient } from '../../client.js';
import type { Progress } from '../../workflows/run/contract.js';
import { summaryText } from './format.js';
import { EXIT_OK, EXIT_RUN_FAILED } from './usage.js';

export async function reportRunEnd(client: BatchInferenceClient, runId: string, end: Progress, json: boolean): Promise<number> {
  if (end.state !== 'completed') {
    if (json) console.log(JSON.stringify(end));
    else console.error(`Run ${runId} ${end.state}${end.error ? `: ${end.error}` : ''}`);
    return EXIT_RUN_FAILED;
  }
  const summary = await client.waitForResult(runId);
  console.log(json ? JSON.stringify(summary) : summaryText(summary));
  return EXIT_OK;
}
