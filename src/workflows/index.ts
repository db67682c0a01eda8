// The workflow bundle's entry: every workflow the worker registers.
export { batchInference } from './batchInference.js';
export { scoreSlice } from './scoreSlice.js';
export { sensorCheck } from './sensorCheck.js';
export { sensorState } from './sensorState.js';
export { tenantSlots } from './tenantSlots.js';
export { cleanupResults } from './cleanupResults.js';
