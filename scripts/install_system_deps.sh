#!/usr/bin/env bash
# Install the system packages some tests need (Debian/Ubuntu, via apt-get):
#   slurm-wlm + munge  -> tests/test_slurm.py brings up a one-node SLURM cluster on localhost
#   graphviz           -> DAG/rulegraph rendering in the report test
#   chromium           -> HTML report rendering in the report test
# Idempotent and quiet: packages already installed are not fetched again.
# Never fails the caller: without root or apt-get it says why and exits 0, and the tests
# that need these programs skip with their own reason.
set -uo pipefail

PACKAGES=(slurm-wlm munge graphviz chromium)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system_deps: apt-get not available; not installing ${missing[*]} (tests that need them will skip)" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_system_deps: not root; not installing ${missing[*]} (tests that need them will skip)" >&2
  exit 0
fi

echo "install_system_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# --no-install-recommends keeps chromium and slurm-wlm lean; policy-rc.d stops the
# package scripts from starting munge/slurm services (the tests start their own daemons).
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
fi
if apt-get update -qq >"$log" 2>&1 \
  && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >>"$log" 2>&1; then
  status=0
else
  echo "install_system_deps: apt-get failed (tests that need ${missing[*]} will skip); last lines:" >&2
  tail -n 20 "$log" >&2
  status=0
fi
[ "$made_policy" -eq 1 ] && rm -f "$policy"
rm -f "$log"
exit "$status"
