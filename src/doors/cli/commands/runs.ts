// `batch-inference runs [--status <state>] [--tenant <name>] [--limit <n>] [--json]`: a tenant's runs, newest first.
import type { Config } from '../../../config.js';
import { TENANT_NAME } from '../../../tenants/tenantsFile.js';
import { RUN_STATES, type RunState } from '../../../workflows/run/contract.js';
import { DEFAULT_TENANT } from '../../../workflows/slots/contract.js';
import { openSession } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';

const MAX_LIMIT = 1000;
/** Temporal's largest visibility page. */
const PAGE = 100;

export interface RunsFlags {
  status?: string;
  tenant?: string;
  limit?: string;
  json: boolean;
}

/** Checks the flags before anything connects: each bad one is named with what it got and the fix. */
export function parseRunsFlags(flags: RunsFlags): { status?: RunState; tenant: string; limit: number } {
  if (flags.status !== undefined && !(RUN_STATES as readonly string[]).includes(flags.status))
    throw new UsageError(`--status: got ${JSON.stringify(flags.status)}; use one of ${RUN_STATES.join(', ')}`);
  const tenant = flags.tenant ?? DEFAULT_TENANT;
  if (!TENANT_NAME.test(tenant))
    throw new UsageError(`--tenant: got ${JSON.stringify(tenant)}; use 1 to 64 letters, digits and _ . - starting with a letter or digit`);
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new UsageError(`--limit: got ${JSON.stringify(flags.limit)}; use a whole number from 1 to ${MAX_LIMIT}`);
  return { ...(flags.status ? { status: flags.status as RunState } : {}), tenant, limit };
}

export async function runsCommand(config: Config, flags: RunsFlags): Promise<number> {
  const { status, tenant, limit } = parseRunsFlags(flags);
  const session = await openSession(config, { worker: 'never' });
  try {
    if (!(await session.client.hasRunSearchAttributes()))
      throw new UsageError(
        `The namespace ${session.config.temporal.namespace} lacks the BatchTenant/BatchState search attributes, so runs cannot be listed; \`batch-inference serve\` registers them, or create them with \`temporal operator search-attribute create\``,
      );
    const runs = [];
    let cursor: Uint8Array | undefined;
    do {
      const page = await session.client.listRuns({ tenant, status, limit: Math.min(PAGE, limit - runs.length), cursor });
      runs.push(...page.runs);
      cursor = page.cursor;
    } while (cursor && runs.length < limit);
    if (flags.json) {
      console.log(JSON.stringify(runs.map(({ memo, ...r }) => ({ ...r, predictor: memo.predictor ?? null, output: outputOf(memo) }))));
      return EXIT_OK;
    }
    if (!runs.length) {
      console.log(`No ${status ? `${status} ` : ''}runs of tenant ${tenant}.`);
      return EXIT_OK;
    }
    for (const r of runs) {
      const predictor = typeof r.memo.predictor === 'string' ? r.memo.predictor : '?';
      console.log(
        `${r.runId.padEnd(32)} ${r.state.padEnd(10)} ${r.startedAt}  ${(r.closedAt ?? '-').padEnd(24)}  ${predictor} → ${outputOf(r.memo) ?? '?'}`,
      );
    }
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

/** The table or path the run writes, from its memo. */
function outputOf(memo: Record<string, unknown>): string | null {
  const where = memo.outputTableName ?? memo.outputPath;
  return typeof where === 'string' ? where : null;
}
