// The first module of a predictor thread: threads do not inherit the TypeScript loader of the
// process, so register it here (predictor modules may be .ts), then load the thread's code: the built
// predictorThread.js beside this file in dist/, or the TypeScript source when run from src/.
// Arrow is plain JavaScript: loaded before the loader, its hundreds of files skip the loader's hooks
// (a thread started in ~0.4 s instead of ~2 s on a loaded machine); later imports reuse it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

await import('apache-arrow');
const { register } = await import('tsx/esm/api');
register();
const built = new URL('./predictorThread.js', import.meta.url);
await import(existsSync(fileURLToPath(built)) ? built.href : new URL('./predictorThread.ts', import.meta.url).href);
