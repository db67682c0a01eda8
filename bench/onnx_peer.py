# The peer of `batch-inference bench`'s ONNX section: what a data scientist writes without us. The same
# fitted scikit-learn pipeline (joblib), one process per core (multiprocessing), each reading a staged
# parquet file with pyarrow into pandas, calling predict_proba (or predict) on its feature columns, and
# writing the input columns plus the predictions (proba_<class> per class, or label) to parquet: what
# the pipeline's run with includeInputColumns writes.
# Usage: onnx_peer.py <model.joblib> <predict_proba|predict> <out dir> <processes> <in.parquet>...
import json
import multiprocessing
import os
import sys
import time

import joblib
import pyarrow as pa
import pyarrow.parquet as pq

model = None


def load(path):
    global model
    model = joblib.load(path)


def score_file(job):
    function, out_dir, path = job
    df = pq.read_table(path).to_pandas()
    # An export may stage a file without rows (the pipeline plans no chunk for it); scikit-learn refuses
    # an empty frame.
    if len(df) == 0:
        return 0
    x = df[list(model.feature_names_in_)]
    if function == "predict_proba":
        proba = model.predict_proba(x)
        for i, c in enumerate(model.classes_):
            df[f"proba_{c}"] = proba[:, i]
    else:
        df["label"] = model.predict(x)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), os.path.join(out_dir, os.path.basename(path)))
    return len(df)


def main():
    model_path, function, out_dir, processes, *files = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    # Loaded (and scikit-learn imported) before the timer: forked processes share it, so the time leaves
    # out Python's start-up, as it does for our worker's. Where fork is missing, each process loads it.
    load(model_path)
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else None)
    init = {} if mp.get_start_method() == "fork" else {"initializer": load, "initargs": (model_path,)}
    started = time.perf_counter()
    with mp.Pool(int(processes), **init) as pool:
        rows = sum(pool.map(score_file, [(function, out_dir, f) for f in files], chunksize=1))
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "rows": rows}))


if __name__ == "__main__":
    main()
