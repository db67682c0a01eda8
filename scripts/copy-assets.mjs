// After tsc: copy the plain .mjs modules of src/ (the predictor thread's entry) and the .py files (the
// Python model runner) to the same place under
// dist/, and remove built files whose source is gone (tsc -b never deletes them, and npm pack would ship them).
import fs from 'node:fs';
import path from 'node:path';

for (const file of fs.readdirSync('src', { recursive: true }).map(String)) {
  if (!file.endsWith('.mjs') && !file.endsWith('.py')) continue;
  const to = path.join('dist', file);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join('src', file), to);
}

// `batch-inference bench` runs Python scripts (its model sections' trainer and peers, and seed 000's
// predict_fn): the installed package has no bench/ or test/, so they go to dist/bench/.
const benchAssets = [
  ...fs
    .readdirSync('bench')
    .filter((f) => f.endsWith('.py'))
    .map((f) => [path.join('bench', f), f]),
  ['test/fixtures/python/seed000/model.py', 'seed000/model.py'],
];
for (const [from, name] of benchAssets) {
  const to = path.join('dist', 'bench', name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

const BUILT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;
for (const file of fs.readdirSync('dist', { recursive: true }).map(String)) {
  if (!BUILT.test(file)) continue;
  const stem = file.replace(BUILT, '');
  if (!fs.existsSync(path.join('src', `${stem}.ts`)) && !fs.existsSync(path.join('src', `${stem}.mjs`))) fs.rmSync(path.join('dist', file));
}
