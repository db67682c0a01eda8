// The local stage's listing while its folder changes: an entry removed between reading the folder and
// looking at the entry (a racing model registration discards its artifact) is left out, not an error.
// A dangling link is such an entry, made without a race: the folder lists it, stat() finds nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LocalStage } from '../../src/adapters/stage/local/localStage.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-local-list-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('leaves out an entry that is gone by the time it is looked at', async () => {
  fs.mkdirSync(path.join(root, 'models/race/1'), { recursive: true });
  fs.writeFileSync(path.join(root, 'models/race/1/model.json'), '{}');
  fs.symlinkSync(path.join(root, 'no-such-artifact'), path.join(root, 'models/race/1/artifact-gone.mjs'));
  const stage = new LocalStage(root);
  expect((await stage.list('models/race/')).map((o) => o.key)).toEqual(['models/race/1/model.json']);
});
