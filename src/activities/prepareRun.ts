import fs from 'node:fs';
import { resolveSpec } from '../spec/jobSpec.js';
import type { ResolvedSpec } from '../shared/types.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';

export interface PrepareRunInput {
  spec: unknown;
}

/** Validates the job spec against this worker's predictors and limits, and renders its SQL. */
export function makePrepareRun(ctx: ActivityContext) {
  return async function prepareRun(input: PrepareRunInput): Promise<ResolvedSpec> {
    return atActivityEdge(async () =>
      resolveSpec(input.spec, {
        schema: ctx.schema,
        defaultParallelism: ctx.defaultParallelism,
        maxSplits: ctx.maxSplits,
        predictors: Object.keys(ctx.predictors),
        readSqlFile: (p) => fs.readFileSync(p, 'utf8'),
      }),
    );
  };
}
