// The worker's model versions: each loaded once per process (downloaded from the stage to a local
// folder, its sha256 checked, opened by its kind) and shared by every chunk that scores with it.
// Bounded by BATCH_MODEL_CACHE_MB of artifacts: the least recently used idle versions are closed and
// their files removed when a new one would go over. A version in use is never evicted.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Stage } from '../adapters/stage/stage.js';
import { CorruptModelError, UnknownModelVersionError } from './errors.js';
import type { ModelRuntimes, OpenedModel } from './kinds/kind.js';
import { modelKind } from './kinds/index.js';
import type { ModelJson } from './modelJson.js';
import type { ResolvedModel } from './modelRef.js';
import { ModelRegistry, sha256OfFile } from './registry.js';

interface Entry {
  key: string;
  loading: Promise<{ model: ModelJson; opened: OpenedModel }>;
  bytes: number;
  users: number;
  lastUsed: number;
}

export interface LeasedModel {
  model: ModelJson;
  opened: OpenedModel;
  /** Gives the version back; it stays loaded until the cache needs the room. */
  release(): void;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private readonly registry: ModelRegistry;

  constructor(
    stage: Stage,
    /** Local folder for downloaded artifacts (under BATCH_DATA_DIR). */
    readonly dir: string,
    readonly maxBytes: number,
    /** The worker's runtimes a kind scores with (its Python pool). */
    private readonly runtimes: ModelRuntimes = {},
  ) {
    this.registry = new ModelRegistry(stage);
  }

  /** The version a run resolved, loaded (or already loaded) and checked against the sha256 the run recorded. */
  async acquire(resolved: ResolvedModel): Promise<LeasedModel> {
    const key = `${resolved.name}@${resolved.version}#${resolved.sha256}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, loading: this.load(resolved), bytes: 0, users: 0, lastUsed: Date.now() };
      this.entries.set(key, entry);
      const e = entry;
      // A failed load is not kept: the next chunk (a retry) loads again.
      e.loading.catch(() => this.entries.get(key) === e && this.entries.delete(key));
    }
    entry.users++;
    try {
      const { model, opened } = await entry.loading;
      entry.bytes = model.artifact.size;
      await this.evict();
      let released = false;
      const e = entry;
      return {
        model,
        opened,
        release: () => {
          if (released) return;
          released = true;
          e.users--;
          e.lastUsed = Date.now();
          void this.evict();
        },
      };
    } catch (err) {
      entry.users--;
      throw err;
    }
  }

  private async load(resolved: ResolvedModel): Promise<{ model: ModelJson; opened: OpenedModel }> {
    const model = await this.registry.get(resolved.name, resolved.version);
    if (!model)
      throw new UnknownModelVersionError(resolved.name, resolved.version, await this.registry.versions(resolved.name).catch(() => []));
    // model.json itself was replaced after the run resolved it: not the version the run recorded.
    if (model.artifact.sha256 !== resolved.sha256)
      throw new CorruptModelError(resolved.name, resolved.version, resolved.sha256, model.artifact.sha256);
    const folder = path.join(this.dir, resolved.name, String(resolved.version), resolved.sha256.slice(0, 16));
    await fs.mkdir(folder, { recursive: true });
    const local = path.join(folder, model.artifact.file);
    // Unique per load: another worker process may share BATCH_DATA_DIR.
    const part = `${local}.${process.pid}-${randomUUID()}.part`;
    const copy = await this.stage().localCopy(`models/${resolved.name}/${resolved.version}/${model.artifact.file}`);
    try {
      // Our own copy: what is verified is what is opened, whatever happens on the stage later.
      await fs.copyFile(copy.path, part);
    } finally {
      await copy.release();
    }
    const actual = await sha256OfFile(part);
    if (actual !== model.artifact.sha256) {
      await fs.rm(part, { force: true });
      throw new CorruptModelError(resolved.name, resolved.version, model.artifact.sha256, actual);
    }
    await fs.rename(part, local);
    const kind = await modelKind(model.kind);
    return { model, opened: await kind.open(local, model, this.runtimes) };
  }

  private stage(): Stage {
    return this.registry.stage;
  }

  /** Closes idle versions, least recently used first, while the loaded artifacts are over the bound. */
  private async evict(): Promise<void> {
    let total = [...this.entries.values()].reduce((s, e) => s + e.bytes, 0);
    const idle = [...this.entries.values()].filter((e) => e.users === 0 && e.bytes > 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle) {
      if (total <= this.maxBytes) break;
      this.entries.delete(e.key);
      total -= e.bytes;
      const { model, opened } = await e.loading;
      await opened.close().catch(() => {});
      await fs.rm(path.join(this.dir, model.name, String(model.version), model.artifact.sha256.slice(0, 16)), {
        recursive: true,
        force: true,
      });
    }
  }

  /** Versions loaded now (for tests and logs). */
  loaded(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.loading.then((l) => l.opened.close()).catch(() => {})));
  }
}
