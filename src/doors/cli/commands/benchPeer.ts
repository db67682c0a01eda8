// The bench's peer for the scoring phase: the plain Python a data scientist would write for the same
// job (pyarrow reads each staged parquet file, pandas does linear-demo's arithmetic, pyarrow writes
// parquet), one process per core, over the same staged files. The pipeline's `running` phase is
// compared with it (issue 14, target 2).
import { spawn } from 'node:child_process';
import { killOnExit } from '../../../temporal/killOnExit.js';
import { settleDisk } from './benchDisk.js';

const PEER = String.raw`
import json, os, sys, time
from multiprocessing import Pool
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

def score(job):
    src, dst = job
    df = pq.read_table(src).to_pandas()
    s = 0.7 * df["feature_1"].fillna(0) + 0.3 * df["feature_2"].fillna(0)
    # round half away from zero, as linear-demo and SQL's round(x, 6) do
    s = np.sign(s) * np.floor(np.abs(s) * 1e6 + 0.5) / 1e6
    out = pd.DataFrame({"id": df["id"], "score": s, "label": (s >= 0.5).astype("int32")})
    pq.write_table(pa.Table.from_pandas(out, preserve_index=False), dst)
    return len(df)

if __name__ == "__main__":
    files, out_dir, procs = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(f, os.path.join(out_dir, "part-%d.parquet" % i)) for i, f in enumerate(files)]
    start = time.perf_counter()
    with Pool(procs) as pool:
        rows = sum(pool.map(score, jobs, chunksize=1))
    print(json.dumps({"ms": (time.perf_counter() - start) * 1000, "rows": rows}))
`;

export interface PeerResult {
  ms: number;
  rows: number;
}

/** The reason a peer cannot run here (no interpreter, or a missing module), or undefined. */
export class PeerUnavailableError extends Error {
  constructor(
    readonly reason: string,
    readonly peer = 'pandas peer',
    readonly packages = 'pandas pyarrow',
  ) {
    super(`${peer} skipped: ${reason} (install with: python3 -m pip install ${packages})`);
  }
}

/** Which peer runs and what it needs, for PeerUnavailableError. */
export interface PeerName {
  peer: string;
  packages: string;
}

/**
 * Runs a Python peer (`args` after the interpreter) that prints its {ms, rows} as the last line of
 * stdout, timed by itself without Python's start-up and imports. A missing interpreter or module is a
 * PeerUnavailableError (the bench prints it and goes on); any other failure is an error.
 */
export function runPythonPeer(
  args: string[],
  python = 'python3',
  name: PeerName = { peer: 'pandas peer', packages: 'pandas pyarrow' },
): Promise<PeerResult> {
  settleDisk();
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // A bench stopped while its peer runs does not leave the peer's pool behind.
    killOnExit(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new PeerUnavailableError(e.message, name.peer, name.packages)));
    child.on('exit', (code) => {
      if (code === 0) return resolve(JSON.parse(out.trim().split('\n').pop()!) as PeerResult);
      if (/ModuleNotFoundError/.test(err)) return reject(new PeerUnavailableError(err.trim().split('\n').pop()!, name.peer, name.packages));
      reject(new Error(`${name.peer} exited with ${code}: ${err}`));
    });
  });
}

/** Scores `files` with the pandas peer in `processes` processes; the time excludes Python's start-up and imports. */
export function runPandasPeer(files: string[], outDir: string, processes: number, python = 'python3'): Promise<PeerResult> {
  return runPythonPeer(['-c', PEER, JSON.stringify(files), outDir, String(processes)], python);
}
