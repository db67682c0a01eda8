// `batch-inference sensors list [--json]`
import type { Config } from '../../../config.js';
import type { SensorStatus } from '../../../sensors/status.js';
import { openSession } from '../session.js';
import { EXIT_OK } from '../usage.js';

export async function sensorsListCommand(config: Config, flags: { json: boolean }): Promise<number> {
  const session = await openSession(config, { worker: 'never' });
  try {
    const sensors = await session.client.listSensors();
    if (flags.json) console.log(JSON.stringify(sensors));
    else if (!sensors.length) console.log('No sensors deployed (batch-inference deploy <dir>).');
    else for (const s of sensors) console.log(describe(s));
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

function describe(s: SensorStatus): string {
  const lines = [
    `${s.name}${s.paused ? ' (paused)' : ''}  ${s.cron ?? '?'} ${s.timezone ?? ''}  event ${s.eventName ?? '?'}`,
    `  last value   ${s.lastValue === undefined ? '(not checked yet)' : JSON.stringify(s.lastValue)}${s.lastSummary ? `  — ${s.lastSummary}` : ''}`,
    `  last check   ${s.lastCheckAt ?? '-'}  (${s.checks} checks, ${s.changes} changes)`,
    `  last run     ${s.lastRunId ? `${s.lastRunId} started ${s.lastRunStartedAt ?? '?'} ${s.lastRunStatus?.toLowerCase() ?? ''}` : '-'}`,
  ];
  if (s.lastError) lines.push(`  last error   ${s.lastError}`);
  return lines.join('\n');
}
