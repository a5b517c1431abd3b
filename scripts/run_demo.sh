#!/usr/bin/env bash
# Set up the environment and run the workflow on the built-in demo corpora.
# Extra arguments go to snakemake (default: --cores 8 results/table2.csv, or the latest stage available).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export PATH="$PWD/.venv/bin:$PATH"
if [ "$#" -eq 0 ]; then
  set -- --cores 8 all
fi
exec snakemake "$@"
