#!/usr/bin/env bash
# Set up the environment and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
# system packages for the SLURM and report tests (skips itself without root/apt-get)
bash scripts/install_system_deps.sh
export PATH="$PWD/.venv/bin:$PATH"
exec python -m pytest -q "$@"
