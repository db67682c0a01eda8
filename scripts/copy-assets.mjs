// tsc emits only what it compiles: copy the plain .mjs modules of src/ (the predictor thread's entry)
// to the same place under dist/.
import fs from 'node:fs';
import path from 'node:path';

for (const file of fs.readdirSync('src', { recursive: true })) {
  if (!String(file).endsWith('.mjs')) continue;
  const to = path.join('dist', String(file));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join('src', String(file)), to);
}
