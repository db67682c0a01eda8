// createActivities(deps): the worker injects the warehouse, stage and predictors; tests inject theirs.
import type { ActivityDeps } from './deps.js';
import { makeAdoptRun } from './adoptRun.js';
import { makeCheckSensor } from './sensors/checkSensor.js';
import { makeCleanupExpired } from './retention.js';
import { makeDeleteRunFiles } from './deleteRunFiles.js';
import { makeExportInput } from './exportInput.js';
import { ManifestCache } from './manifestCache.js';
import { makePrepareRun } from './prepareRun.js';
import { makeDiscardFiles, makePublishFiles } from './publishFiles.js';
import { makePublishOutput } from './publishOutput.js';
import { makeAbortKafka, makePublishKafka } from './publishKafka.js';
import { makeRecordSensorCheck } from './sensors/recordSensorCheck.js';
import { makeScoreChunk } from './scoreChunk.js';
import { makeScoreChunks } from './scoreChunks.js';
import { makeOpenRuns, makeReleaseSlot, makeRequestSlot, makeRequestSlotNow } from './slots.js';
import { defaultModelCache } from '../models/workerModels.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  const ctx = { ...deps, manifests: new ManifestCache(deps.stage), models: deps.models ?? defaultModelCache(deps.stage) };
  return {
    prepareRun: makePrepareRun(ctx),
    exportInput: makeExportInput(ctx),
    adoptRun: makeAdoptRun(ctx),
    scoreChunk: makeScoreChunk(ctx),
    scoreChunks: makeScoreChunks(ctx),
    publishOutput: makePublishOutput(ctx),
    publishFiles: makePublishFiles(ctx),
    discardFiles: makeDiscardFiles(ctx),
    publishKafka: makePublishKafka(ctx),
    abortKafka: makeAbortKafka(ctx),
    deleteRunFiles: makeDeleteRunFiles(ctx),
    checkSensor: makeCheckSensor(ctx),
    recordSensorCheck: makeRecordSensorCheck(),
    requestSlot: makeRequestSlot(ctx),
    requestSlotNow: makeRequestSlotNow(ctx),
    releaseSlot: makeReleaseSlot(),
    openRuns: makeOpenRuns(),
    cleanupExpired: makeCleanupExpired(ctx),
  };
}

export type Activities = ReturnType<typeof createActivities>;
