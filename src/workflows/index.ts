// The workflow bundle's entry: every workflow the worker registers.
export { batchInference } from './run/batchInference.js';
export { scoreSlice } from './run/scoreSlice.js';
export { sensorCheck } from './sensors/sensorCheck.js';
export { sensorState } from './sensors/sensorState.js';
export { tenantSlots } from './slots/tenantSlots.js';
export { cleanupResults } from './retention/cleanupResults.js';
