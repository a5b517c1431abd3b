#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv with the pinned requirements.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_BIN="${PYTHON_BIN:-python3.11}"
if ! command -v "$PYTHON_BIN" >/dev/null 2>&1; then
  echo "error: $PYTHON_BIN not found; this workflow needs Python 3.11 (set PYTHON_BIN)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON_BIN" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # pip's failure fails the script (pipefail); grep only filters noise from local wheel mirrors
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | { grep -v '^WARNING: Location' || true; }
  .venv/bin/python -m pip install --quiet -r requirements.txt -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
  .venv/bin/python -c "import torch, torchaudio, snakemake, snakemake_executor_plugin_slurm, h5py, soundfile, sklearn, openTSNE, pytest, workflow_scripts"
  echo "$want" > "$stamp"
fi
