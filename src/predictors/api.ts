// What a predictor module imports from the installed package: `import { numericColumn } from 'batch-inference/predictors'`.
export { numericColumn } from './columns.js';
export type { OutputColumnValues, Predictor, PredictorContext, PredictorMap, PredictorOutput } from './types.js';
