// Imports a BATCH_PREDICTORS module. Built to dist/ (the CLI, an installed package) this code runs on
// plain Node, which cannot import a .ts file: tsx's loader is then registered once, before the first
// such module. From the sources (vitest, tsx) TypeScript already loads, so nothing is registered.
const runningBuilt = import.meta.url.endsWith('.js');
let typeScriptLoader: Promise<void> | undefined;

export async function importPredictorModule(url: string): Promise<Record<string, unknown>> {
  if (runningBuilt && /\.[cm]?ts$/.test(new URL(url).pathname)) {
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => void register());
    await typeScriptLoader;
  }
  return (await import(url)) as Record<string, unknown>;
}
