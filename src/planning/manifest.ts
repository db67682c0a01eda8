// The run manifest stored on the stage: the resolved spec, the staged input files and the chunks.
// Activities read it by run id, so workflow history carries only numbers and keys.
import type { ResolvedSpec } from '../spec/types.js';
import type { Chunk, StagedFile } from './chunks.js';

export interface RunManifest {
  runId: string;
  executionId: string;
  spec: ResolvedSpec;
  files: StagedFile[];
  chunks: Chunk[];
  createdAt: string;
  /** Whose run it is; absent in manifests written before resume existed (then "default"). */
  tenant?: string;
  /** A resume's manifest: the failed run it took its input and finished chunks from (src/activities/adoptRun.ts). */
  resumeOf?: { runId: string; executionId: string };
}
