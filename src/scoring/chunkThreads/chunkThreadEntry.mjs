// The first module of a chunk thread. Built (dist/) the thread's code is plain JavaScript and needs no
// loader: tsx is registered only when a predictor module is TypeScript (importModule.ts). From the
// sources (tests) register tsx first, as threadEntry.mjs does, Arrow loaded before it so that its
// hundreds of files skip the loader's hooks.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('./chunkThread.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  await import('apache-arrow');
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./chunkThread.ts', import.meta.url).href);
}
