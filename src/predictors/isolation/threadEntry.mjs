// The first module of a predictor thread: threads do not inherit the TypeScript loader of the
// process, so register it here, then load the thread's code and the predictor modules through it.
// Arrow is plain JavaScript: loaded before the loader, its hundreds of files skip the loader's hooks
// (a thread started in ~0.4 s instead of ~2 s on a loaded machine); later imports reuse it.
await import('apache-arrow');
const { register } = await import('tsx/esm/api');
register();
await import('./predictorThread.ts');
