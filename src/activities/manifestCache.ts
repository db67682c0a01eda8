// Each worker process keeps the last few run manifests in memory: every chunk of a run needs its manifest,
// and reading it from the stage once per chunk would be wasted I/O.
import type { Stage } from '../adapters/stage/stage.js';
import { manifestKey } from '../adapters/stage/stage.js';
import type { RunManifest } from '../planning/manifest.js';
import type { RunRef } from '../workflows/run/contract.js';
import { NonRetryableError } from '../nonRetryableError.js';

const MAX_MANIFESTS = 8;

/** A newer execution under the same workflow id has re-exported the run: this one must not go on. */
export class StaleExecutionError extends NonRetryableError {}

export class ManifestCache {
  private manifests = new Map<string, Promise<RunManifest>>();
  constructor(private readonly stage: Stage) {}

  async get({ runId, executionId }: RunRef): Promise<RunManifest> {
    const cached = await this.manifests.get(runId)?.catch(() => undefined);
    if (cached?.executionId === executionId) return cached;
    const loading = this.stage.getJson<RunManifest>(manifestKey(runId)).then((m) => {
      if (!m) throw new Error(`No manifest on the stage for run ${runId} (${manifestKey(runId)})`);
      return m;
    });
    this.manifests.set(runId, loading);
    loading.catch(() => this.manifests.delete(runId));
    if (this.manifests.size > MAX_MANIFESTS) this.manifests.delete(this.manifests.keys().next().value!);
    const manifest = await loading;
    if (manifest.executionId !== executionId) {
      // A newer execution under the same workflow id has re-exported: this one must not go on.
      throw new StaleExecutionError(`Run ${runId} was restarted (execution ${manifest.executionId}); execution ${executionId} is stale`);
    }
    return manifest;
  }

  forget(runId: string): void {
    this.manifests.delete(runId);
  }
}
