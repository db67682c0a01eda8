// The embedded default stage: a folder. Writes go through a scratch area on the same filesystem
// and land with rename(), so a reader never sees a half-written file.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LocalCopy, Stage, StagedObject } from '../stage.js';

export class LocalStage implements Stage {
  readonly remote = false;
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  describe(): string {
    return `file:${this.root}`;
  }

  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`stage key escapes the stage: ${key}`);
    return full;
  }

  async list(prefix: string): Promise<StagedObject[]> {
    const base = this.pathOf(prefix);
    const out: StagedObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        // Nothing there, or a file rather than a folder: nothing under it, as on S3.
        if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return;
        throw err;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else {
          // Removed since the folder was read (a racing registration's discarded artifact): not listed, as on S3.
          const stats = await fs.stat(full).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return undefined;
            throw err;
          });
          if (!stats) continue;
          out.push({ key: path.relative(this.root, full).split(path.sep).join('/'), size: stats.size, modifiedAt: stats.mtime });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async stat(key: string): Promise<StagedObject | undefined> {
    try {
      const stats = await fs.stat(this.pathOf(key));
      return stats.isFile() ? { key, size: stats.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.pathOf(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
    const scratch = await this.scratchPath('json');
    await fs.writeFile(scratch, JSON.stringify(value));
    await this.putFile(scratch, key);
  }

  async putJsonIfAbsent(key: string, value: unknown): Promise<boolean> {
    const scratch = await this.scratchPath('json');
    await fs.writeFile(scratch, JSON.stringify(value));
    const target = this.pathOf(key);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      // link() fails with EEXIST instead of replacing, unlike rename(): the first writer wins, whole.
      await fs.link(scratch, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(scratch, { force: true });
    }
  }

  async localCopy(key: string): Promise<LocalCopy> {
    return { path: this.pathOf(key), release: async () => {} };
  }

  async scratchPath(name: string): Promise<string> {
    const dir = path.join(this.root, '.scratch');
    await fs.mkdir(dir, { recursive: true });
    return path.join(dir, `${randomUUID()}-${name}`);
  }

  async putFile(localPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(localPath, target);
  }

  async writeFolder(prefix: string) {
    const dir = await this.scratchPath(path.basename(prefix));
    await fs.mkdir(dir, { recursive: true });
    const target = this.pathOf(prefix);
    return {
      dir,
      commit: async () => {
        await fs.rm(target, { recursive: true, force: true });
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.rename(dir, target);
      },
      discard: () => fs.rm(dir, { recursive: true, force: true }),
    };
  }

  async deletePrefix(prefix: string): Promise<void> {
    await fs.rm(this.pathOf(prefix), { recursive: true, force: true });
  }
}
