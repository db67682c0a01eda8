// The production stage: a prefix in an S3 bucket (or an S3-compatible store via AWS_ENDPOINT_URL).
// Objects appear whole when their upload completes, so a reader never sees a half-written file;
// local work happens in a scratch folder on this machine.
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../mapLimit.js';
import { downloadToFile } from './download.js';
import { isNotFound, listObjectPages, parseS3Url } from './s3Client.js';
import type { LocalCopy, Stage, StagedObject } from '../stage.js';

const PART_SIZE = 16 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 8;
/** Parts in flight per upload when a folder commits: files × parts × 16 MiB is what a commit holds in memory. */
const FOLDER_PARTS_PER_FILE = 1;

export class S3Stage implements Stage {
  readonly remote = true;
  readonly bucket: string;
  readonly base: string;

  constructor(
    private readonly s3: S3Client,
    readonly url: string,
    /** Local folder for downloads and files being written before upload. */
    readonly scratchRoot: string,
  ) {
    ({ bucket: this.bucket, prefix: this.base } = parseS3Url(url));
  }

  describe(): string {
    return this.url;
  }

  private objectKey(key: string): string {
    if (key.split('/').some((part) => part === '..')) throw new Error(`stage key escapes the stage: ${key}`);
    return this.base ? `${this.base}/${key}` : key;
  }

  private stageKey(objectKey: string): string {
    return this.base ? objectKey.slice(this.base.length + 1) : objectKey;
  }

  async list(prefix: string): Promise<StagedObject[]> {
    const out: StagedObject[] = [];
    // A trailing slash: runs/a must not list runs/ab.
    const Prefix = `${this.objectKey(prefix).replace(/\/+$/, '')}/`;
    for await (const contents of listObjectPages(this.s3, this.bucket, Prefix)) {
      for (const o of contents) {
        // Zero-byte "folder" objects (made by consoles and some tools) are not files.
        if (o.Key!.endsWith('/')) continue;
        out.push({ key: this.stageKey(o.Key!), size: o.Size ?? 0, modifiedAt: o.LastModified });
      }
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async stat(key: string): Promise<StagedObject | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return JSON.parse(await res.Body!.transformToString('utf8')) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(this.jsonPut(key, value));
  }

  private jsonPut(key: string, value: unknown, ifNoneMatch?: '*'): PutObjectCommand {
    return new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      Body: JSON.stringify(value),
      ContentType: 'application/json',
      ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}),
    });
  }

  async putJsonIfAbsent(key: string, value: unknown): Promise<boolean> {
    try {
      // S3's conditional write: the PUT fails with 412 when an object is at the key, and never replaces it.
      await this.s3.send(this.jsonPut(key, value, '*'));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      // 409: a concurrent conditional write to the same key is still in progress; it will win.
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409) return false;
      throw err;
    }
  }

  async localCopy(key: string): Promise<LocalCopy> {
    const file = await this.scratchPath(path.basename(key));
    try {
      await downloadToFile(this.s3, this.bucket, this.objectKey(key), file);
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
    return { path: file, release: () => fs.rm(file, { force: true }) };
  }

  /**
   * Deletes local scratch files older than maxAgeMs: downloads and uploads of a worker that was killed
   * mid-activity. Retention cannot see them (they are on this machine, not in the bucket).
   */
  async sweepScratch(maxAgeMs: number, now = Date.now()): Promise<number> {
    let swept = 0;
    let names: string[];
    try {
      names = await fs.readdir(this.scratchRoot);
    } catch {
      return 0;
    }
    for (const name of names) {
      const full = path.join(this.scratchRoot, name);
      const stats = await fs.stat(full).catch(() => undefined);
      if (stats && now - stats.mtimeMs > maxAgeMs) {
        await fs.rm(full, { recursive: true, force: true });
        swept++;
      }
    }
    return swept;
  }

  async scratchPath(name: string): Promise<string> {
    await fs.mkdir(this.scratchRoot, { recursive: true });
    return path.join(this.scratchRoot, `${randomUUID()}-${name}`);
  }

  async putFile(localPath: string, key: string, partsInFlight = 4): Promise<void> {
    // Multipart above one part size, one PUT below it; the object appears only when the upload completes.
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: createReadStream(localPath) },
      partSize: PART_SIZE,
      queueSize: partsInFlight,
    });
    await upload.done();
    await fs.rm(localPath, { force: true });
  }

  async writeFolder(prefix: string) {
    const dir = await this.scratchPath(path.basename(prefix));
    await fs.mkdir(dir, { recursive: true });
    return {
      dir,
      commit: async () => {
        // Old objects go first, so a retried export never mixes its files with an earlier attempt's.
        await this.deletePrefix(prefix);
        const files = await listFiles(dir);
        // 8 files at once, one part each: without the bound, 8 × 4 parts held ~650 MiB per commit.
        await mapLimit(files, UPLOAD_CONCURRENCY, (rel) => this.putFile(path.join(dir, rel), `${prefix}/${rel}`, FOLDER_PARTS_PER_FILE));
        await fs.rm(dir, { recursive: true, force: true });
      },
      discard: () => fs.rm(dir, { recursive: true, force: true }),
    };
  }

  /** Deletes everything under prefix/ and an object named exactly prefix, as rm -rf does for a folder or a file. */
  async deletePrefix(prefix: string): Promise<void> {
    const exact = this.objectKey(prefix.replace(/\/+$/, ''));
    const keys = [exact, ...(await this.list(prefix)).map((o) => this.objectKey(o.key))];
    for (let i = 0; i < keys.length; i += 1000) {
      const res = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (res.Errors?.length) {
        const first = res.Errors[0];
        throw new Error(`Could not delete ${res.Errors.length} objects under ${prefix}, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
      }
    }
  }
}

/** Files under dir, as '/'-separated paths relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
