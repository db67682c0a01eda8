// The model registry, on the stage (local folder or S3 alike): models/<name>/<version>/ holds the
// artifact and model.json. A version is written artifact first and model.json last with a
// create-if-absent, so a version is visible only once whole, never changes, and two registrations
// racing for one version number cannot both win: the loser retries with the next number (or, given
// an explicit --version, is told the version exists).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Stage } from '../adapters/stage/stage.js';
import {
  ModelRegistrationConflictError,
  ModelVersionExistsError,
  UnknownModelError,
  UnknownModelFunctionError,
  UnknownModelVersionError,
  UnsupportedModelError,
} from './errors.js';
import { kindOfFile, modelKind, MODEL_KINDS } from './kinds/index.js';
import type { DescribeOptions, ModelKind } from './kinds/kind.js';
import type { UnpackLimits } from './kinds/pythonArchiveBounds.js';
import { MODEL_JSON, MODEL_JSON_FORMAT, parseModelJson, type ModelFunction, type ModelJson } from './modelJson.js';
import { isModelName, MAX_VERSION, modelPrefix, type ModelRef, type ResolvedModel } from './modelRef.js';

export interface RegisterOptions {
  name: string;
  file: string;
  /** Absent: the next version after the latest. */
  version?: number;
  /** Absent: from the file's extension. */
  kind?: string;
  description?: string;
  /** Input columns of a model whose file does not name them (ONNX with one [rows, features] input). */
  inputs?: string[];
  /** BATCH_PYTHON, for a Python model (its functions are listed by importing it). */
  python?: string;
  /** BATCH_MODEL_UNPACK_MB / _FILES: a Python model folder a worker would refuse to unpack is refused here. */
  unpack?: UnpackLimits;
  /** Clock for createdAt (tests). */
  now?: () => Date;
}

export interface ModelListing {
  name: string;
  versions: number[];
  latest: number;
  kind: string;
  description?: string;
  createdAt: string;
}

/** Registrations that may lose the race for a new version number in a row before giving up. */
const MAX_ATTEMPTS = 8;

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const VERSION_KEY = /^models\/([^/]+)\/([1-9][0-9]{0,8})\/model\.json$/;

export class ModelRegistry {
  constructor(readonly stage: Stage) {}

  /** Every registered version, by model name, from the model.json keys on the stage. */
  private async allVersions(prefix = 'models/'): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    for (const o of await this.stage.list(prefix)) {
      const m = VERSION_KEY.exec(o.key);
      // Keys that are not a valid name/version (someone wrote them by hand) are not models.
      if (!m || !isModelName(m[1])) continue;
      found.set(m[1], [...(found.get(m[1]) ?? []), Number(m[2])]);
    }
    for (const v of found.values()) v.sort((a, b) => a - b);
    return found;
  }

  async names(): Promise<string[]> {
    return [...(await this.allVersions()).keys()].sort();
  }

  async versions(name: string): Promise<number[]> {
    // The trailing '/' keeps "churn" from matching "churn2" on S3.
    return (await this.allVersions(`${modelPrefix(name)}/`)).get(name) ?? [];
  }

  /** model.json of one version, parsed as hostile input; undefined when the version does not exist. */
  async get(name: string, version: number): Promise<ModelJson | undefined> {
    const key = `${modelPrefix(name, version)}/${MODEL_JSON}`;
    const raw = await this.stage.getJson<unknown>(key);
    return raw === undefined ? undefined : parseModelJson(raw, key, { name, version });
  }

  async list(): Promise<ModelListing[]> {
    const out: ModelListing[] = [];
    for (const [name, versions] of [...(await this.allVersions()).entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const latest = versions[versions.length - 1];
      const m = await this.get(name, latest);
      if (!m) continue; // deleted meanwhile
      out.push({ name, versions, latest, kind: m.kind, createdAt: m.createdAt, ...(m.description ? { description: m.description } : {}) });
    }
    return out;
  }

  /** The version a reference names (the latest when it names none). Throws errors that list what exists. */
  async show(ref: Pick<ModelRef, 'name' | 'version'>): Promise<ModelJson> {
    const versions = await this.versions(ref.name);
    if (!versions.length) throw new UnknownModelError(ref.name, await this.names());
    const version = ref.version ?? versions[versions.length - 1];
    const m = versions.includes(version) ? await this.get(ref.name, version) : undefined;
    if (!m) throw new UnknownModelVersionError(ref.name, version, versions);
    return m;
  }

  /** What a run will use: the version (latest when absent) and function (the first when absent), checked to exist. */
  async resolve(ref: ModelRef): Promise<{ model: ModelJson; fn: ModelFunction; resolved: ResolvedModel }> {
    const model = await this.show(ref);
    const fn = ref.function ? model.functions.find((f) => f.name === ref.function) : model.functions[0];
    if (!fn)
      throw new UnknownModelFunctionError(
        model.name,
        model.version,
        ref.function!,
        model.functions.map((f) => f.name),
      );
    return {
      model,
      fn,
      resolved: { name: model.name, version: model.version, function: fn.name, kind: model.kind, sha256: model.artifact.sha256 },
    };
  }

  async register(options: RegisterOptions): Promise<{ model: ModelJson; created: boolean }> {
    const { name } = options;
    modelPrefix(name, options.version); // validates both before anything is read or written
    const kindName = options.kind ?? kindOfFile(options.file);
    if (!kindName)
      throw new UnsupportedModelError(
        path.basename(options.file),
        `its extension does not say which kind of model it is; give --kind ${MODEL_KINDS.join('|')}`,
      );
    const kind = await modelKind(kindName);
    const describeOptions = { inputs: options.inputs, python: options.python, unpack: options.unpack };
    // A kind that stores something else than what the user gives (a Python folder as one tar) packs it first.
    const packed = kind.pack ? await this.stage.scratchPath(`pack-${randomUUID()}${kind.storedExtension}`) : undefined;
    try {
      if (packed) await kind.pack!(options.file, packed, describeOptions);
      return await this.registerArtifact(options, kindName, kind, packed ?? options.file, describeOptions);
    } finally {
      if (packed) await fs.rm(packed, { force: true });
    }
  }

  private async registerArtifact(
    options: RegisterOptions,
    kindName: string,
    kind: ModelKind,
    artifact: string,
    describeOptions: DescribeOptions,
  ): Promise<{ model: ModelJson; created: boolean }> {
    const { name } = options;
    const stat = await fs.stat(artifact);
    if (!stat.isFile()) throw new UnsupportedModelError(options.file, 'not a file');
    const sha256 = await sha256OfFile(artifact);
    const described = await kind.describe(options.file, describeOptions);
    const { functions, requirements } = Array.isArray(described) ? { functions: described, requirements: undefined } : described;
    const file = `artifact-${sha256.slice(0, 16)}${kind.storedExtension}`;

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const versions = await this.versions(name);
      const latest = versions[versions.length - 1];
      let version = options.version;
      if (version === undefined) {
        // The same bytes again without a version: nothing to do, the latest already is this model.
        const current = latest ? await this.get(name, latest) : undefined;
        if (current && current.artifact.sha256 === sha256 && current.kind === kindName) return { model: current, created: false };
        version = (latest ?? 0) + 1;
        if (version > MAX_VERSION) throw new UnsupportedModelError(options.file, `${name} has reached the last version number`);
      } else if (versions.includes(version)) {
        const existing = await this.show({ name, version });
        if (existing.artifact.sha256 === sha256) return { model: existing, created: false };
        throw new ModelVersionExistsError(name, version, existing.artifact.sha256, sha256);
      }
      const model: ModelJson = {
        format: MODEL_JSON_FORMAT,
        name,
        version,
        kind: kindName,
        artifact: { file, sha256, size: stat.size },
        functions,
        createdAt: (options.now?.() ?? new Date()).toISOString(),
        ...(options.description ? { description: options.description } : {}),
        ...(requirements !== undefined ? { requirements } : {}),
      };
      const prefix = modelPrefix(name, version);
      // Artifact first: its name is its hash, so a racing writer of other bytes writes another file.
      const scratch = await this.stage.scratchPath(file);
      await fs.copyFile(artifact, scratch);
      await this.stage.putFile(scratch, `${prefix}/${file}`);
      if (await this.stage.putJsonIfAbsent(`${prefix}/${MODEL_JSON}`, model)) return { model, created: true };
      // Another registration took this version first. S3 answers 409 while the winner's own conditional
      // PUT is still in flight: wait to see the winner, and never delete an artifact it may share (same
      // bytes, same file name) or that is not known to be unused. An orphan file is harmless; a version
      // whose artifact was deleted is broken for good.
      const winner = await this.awaitWinner(name, version);
      if (winner && winner.artifact.file !== file) await this.stage.deletePrefix(`${prefix}/${file}`);
      if (winner && winner.artifact.sha256 === sha256) return { model: winner, created: false };
      if (options.version !== undefined) {
        if (!winner) throw new ModelRegistrationConflictError(name, attempt);
        throw new ModelVersionExistsError(name, version, winner.artifact.sha256, sha256);
      }
    }
    throw new ModelRegistrationConflictError(name, MAX_ATTEMPTS);
  }

  /** The model.json another registration is writing for this version, once it is visible (undefined if it never shows). */
  private async awaitWinner(name: string, version: number): Promise<ModelJson | undefined> {
    for (let wait = 50; wait <= 1600; wait *= 2) {
      const winner = await this.get(name, version);
      if (winner) return winner;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return this.get(name, version);
  }

  /** Deletes one version: model.json first, so the version disappears in one step, then its files. */
  async delete(name: string, version: number): Promise<void> {
    await this.show({ name, version });
    const prefix = modelPrefix(name, version);
    await this.stage.deletePrefix(`${prefix}/${MODEL_JSON}`);
    await this.stage.deletePrefix(`${prefix}/`);
  }
}
