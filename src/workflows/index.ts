// The workflow bundle's entry: every workflow the worker registers.
export { batchInference } from './batchInference.js';
export { scoreSlice } from './scoreSlice.js';
export { tenantSlots } from './tenantSlots.js';
export { cleanupResults } from './cleanupResults.js';
