# The model of `batch-inference bench`'s ONNX section: SimpleImputer + StandardScaler +
# LogisticRegression over the bench table's 8 features, trained on a sample of the table, exported with
# skl2onnx (probabilities as a tensor, feature names in the metadata) and saved with joblib for the
# scikit-learn peer (bench/onnx_peer.py): both score with the same fitted model.
# The imputer is there because some features are NULL: a NULL reaches an ONNX model as NaN, and a
# LogisticRegression alone answers NaN (ours fails the chunk) or refuses it (scikit-learn).
# Usage: train_onnx.py <sample.parquet> <out dir>   writes model.onnx and model.joblib
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import to_onnx

FEATURES = [f"f{i}" for i in range(1, 9)]
WEIGHTS = np.array([1.0, 0.5, -0.8, 0.3, -0.2, 0.6, -0.4, 0.1])


def main(sample, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    x = pd.read_parquet(sample, columns=FEATURES)
    rng = np.random.default_rng(0)
    signal = x.fillna(0).to_numpy() @ WEIGHTS + rng.normal(scale=0.1, size=len(x))
    y = (signal > 0).astype(np.int64)
    model = Pipeline(
        [("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler()), ("lr", LogisticRegression(max_iter=500))]
    ).fit(x, y)
    onx = to_onnx(
        model,
        x.to_numpy()[:1].astype(np.float32),
        options={id(model.steps[-1][1]): {"zipmap": False}},
        target_opset=17,
    )
    entry = onx.metadata_props.add()
    entry.key = "feature_names"
    entry.value = ",".join(FEATURES)
    (out / "model.onnx").write_bytes(onx.SerializeToString())
    joblib.dump(model, out / "model.joblib")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
