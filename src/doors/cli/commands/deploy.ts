// `batch-inference deploy <dir> [--prune] [--dry-run] [--json]`
import fs from 'node:fs';
import type { Config } from '../../../config.js';
import type { DeployLine } from '../../../schedules/deploy.js';
import { openSession } from '../session.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from '../usage.js';

const WOULD: Record<string, string> = { created: 'would create', updated: 'would update', deleted: 'would delete' };

export async function deployCommand(
  config: Config,
  dir: string,
  flags: { prune: boolean; dryRun: boolean; json: boolean },
): Promise<number> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new UsageError(`deploy needs a folder of config files; ${dir} is not one`);
  const session = await openSession(config, { worker: 'never' });
  try {
    const result = await session.client.deploy({ dir, prune: flags.prune, dryRun: flags.dryRun });
    if (flags.json) console.log(JSON.stringify(result));
    else {
      if (result.dryRun) console.log('Dry run: nothing is changed.');
      for (const line of result.lines) print(line, result.dryRun);
      if (session.ephemeral)
        console.error('No Temporal server is configured: the Schedules were saved in .data/ and run while `batch-inference dev` runs.');
    }
    return result.rejected ? EXIT_BAD_INPUT : EXIT_OK;
  } finally {
    await session.close();
  }
}

function print(line: DeployLine, dryRun: boolean): void {
  const verb = (dryRun && WOULD[line.action]) || line.action;
  if (line.action === 'invalid') {
    const problems = (line.problems ?? []).map((p) => `\n    - ${p.field}: ${p.message}`).join('');
    console.error(`rejected   ${line.file}: nothing deployed from this file${problems}`);
    return;
  }
  const what = line.scheduleId ? `${line.scheduleId.padEnd(32)} ${line.file ?? ''}` : (line.file ?? '');
  console.log(`${verb.padEnd(13)} ${what}${line.note ? `  (${line.note})` : ''}`);
}
