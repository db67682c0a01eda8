#!/usr/bin/env node
// Runs the CLI built to dist/ by `npm run build` (also run by `npm ci`/`npm install` through `prepare`).
// Plain JavaScript: no TypeScript compiler at run time, so `--help` and `status` start fast.
import fs from 'node:fs';

const main = new URL('../dist/doors/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  console.error(
    `batch-inference is not built: ${main.pathname} is missing. Run \`npm run build\` in ${new URL('..', import.meta.url).pathname}`,
  );
  process.exit(2);
}
await import(main.href);
