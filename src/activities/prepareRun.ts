import fs from 'node:fs';
import { resolveSpec } from '../spec/jobSpec.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { checkOutputColumns } from './outputColumns.js';
import { checkOutputTarget } from './outputTarget.js';

export interface PrepareRunInput {
  spec: unknown;
}

/**
 * Validates the job spec against this worker's predictors and limits, renders its SQL, and with
 * saveMode "error" checks that the destination is empty.
 */
export function makePrepareRun(ctx: ActivityContext) {
  return async function prepareRun(input: PrepareRunInput): Promise<ResolvedSpec> {
    return atActivityEdge(async () => {
      const spec = resolveSpec(input.spec, {
        schema: ctx.schema,
        defaultParallelism: ctx.defaultParallelism,
        maxSplits: ctx.maxSplits,
        predictors: Object.keys(ctx.predictors),
        readSqlFile: (p) => fs.readFileSync(p, 'utf8'),
      });
      await checkOutputTarget(ctx, spec);
      await checkOutputColumns(ctx, spec);
      return spec;
    });
  };
}
