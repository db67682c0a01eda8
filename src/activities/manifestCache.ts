// Each worker process keeps the last few run manifests in memory: every chunk of a run needs its manifest,
// and reading it from the stage once per chunk would be wasted I/O.
import type { Stage } from '../adapters/stage/stage.js';
import { manifestKey } from '../adapters/stage/stage.js';
import type { RunManifest } from '../planning/manifest.js';

const MAX_MANIFESTS = 8;

export class ManifestCache {
  private manifests = new Map<string, Promise<RunManifest>>();
  constructor(private readonly stage: Stage) {}

  get(runId: string): Promise<RunManifest> {
    let manifest = this.manifests.get(runId);
    if (!manifest) {
      manifest = this.stage.getJson<RunManifest>(manifestKey(runId)).then((p) => {
        if (!p) throw new Error(`No manifest on the stage for run ${runId} (${manifestKey(runId)})`);
        return p;
      });
      manifest.catch(() => this.manifests.delete(runId));
      this.manifests.set(runId, manifest);
      if (this.manifests.size > MAX_MANIFESTS) this.manifests.delete(this.manifests.keys().next().value!);
    }
    return manifest;
  }

  forget(runId: string): void {
    this.manifests.delete(runId);
  }
}
