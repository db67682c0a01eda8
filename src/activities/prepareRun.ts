import { resolveSpec } from '../spec/jobSpec.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { checkOutputColumns } from './outputColumns.js';
import { checkOutputTarget } from './outputTarget.js';
import { checkKafkaTarget } from './publishKafka.js';
import { checkWriteGrant } from '../tenants/grants.js';
import { warehouseForTenant } from '../tenants/warehouses.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';
import { resolveModel } from '../models/resolveModel.js';
import { checkModelInputs } from './modelInputs.js';

export interface PrepareRunInput {
  spec: unknown;
  /** Whose database the run reads and writes (BATCH_TENANTS_FILE); "default" when absent. */
  tenant?: string;
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
        // The client inlines .sql files; a worker never reads one named by whoever started the run.
        readSqlFile: () => {
          throw new Error('the worker does not read SQL files; start the run with the CLI or client, which inline them');
        },
      });
      // The model version is fixed here, once: every chunk scores with the same bytes.
      let modelInputs: string[] = [];
      if (spec.modelRef) {
        const { inputs, ...resolved } = await resolveModel(ctx.stage, spec.modelRef);
        Object.assign(spec, resolved);
        modelInputs = inputs;
      }
      const tenant = input.tenant ?? DEFAULT_TENANT;
      if (spec.outputDestination === 'table') checkWriteGrant(ctx.tenants, tenant, spec.outputTableName);
      const warehouse = await warehouseForTenant(ctx.warehouse, ctx.tenantWarehouses, tenant);
      // Before the query is embedded anywhere: exactly one read-only statement, by the warehouse's parser.
      await warehouse.checkReadOnlyQuery(spec.renderedQuery, { useUtc: spec.useUtc, warehouse: spec.warehouse });
      // A model's declared inputs the query lacks fail here, before the export.
      await checkModelInputs(spec, modelInputs, warehouse);
      await checkOutputTarget(ctx, spec, warehouse);
      await checkOutputColumns(spec, warehouse);
      // A missing topic fails here, before any scoring, unless autoCreateTable creates it.
      await checkKafkaTarget(ctx, spec, input.tenant);
      return spec;
    });
  };
}
