// The first module of a predictor thread: threads do not inherit the TypeScript loader of the
// process, so register it here, then load the thread's code and the predictor modules through it.
import { register } from 'tsx/esm/api';

register();
await import('./predictorThread.ts');
