# The peer of bench/python.ts: what a user would write without us. Reads the same parquet files with
# pyarrow, calls the same predict function on each record batch (pandas in, pandas out) with one
# process per core (multiprocessing), and writes each file's predictions to parquet.
# Usage: python_peer.py <module.py> <function> <out dir> <processes> <batch rows> <in.parquet>...
import importlib.util
import json
import multiprocessing
import os
import sys
import time

import pandas  # noqa: F401  imported before the timer (forked processes share it): the time leaves out Python's start-up
import pyarrow as pa
import pyarrow.parquet as pq


def load_function(module_path, name):
    spec = importlib.util.spec_from_file_location("peer_model", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def score_file(job):
    module_path, name, out_dir, batch_rows, path = job
    fn = load_function(module_path, name)
    rows = 0
    writer = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        out = pa.Table.from_pandas(fn(batch.to_pandas()), preserve_index=False)
        writer = writer or pq.ParquetWriter(os.path.join(out_dir, os.path.basename(path)), out.schema)
        writer.write_table(out)
        rows += out.num_rows
    if writer:  # an empty file (an export may stage one) has no batch and nothing to write
        writer.close()
    return rows


def main():
    module_path, name, out_dir, processes, batch_rows, *files = sys.argv[1:]
    started = time.perf_counter()
    with multiprocessing.Pool(int(processes)) as pool:
        rows = sum(pool.map(score_file, [(module_path, name, out_dir, int(batch_rows), f) for f in files], chunksize=1))
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "rows": rows}))


if __name__ == "__main__":
    main()
