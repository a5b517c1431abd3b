#!/usr/bin/env bash
# Install the system packages some tests need (Debian/Ubuntu, via apt-get):
#   slurm-wlm + munge  -> tests/test_slurm.py brings up a one-node SLURM cluster on localhost
#   graphviz           -> DAG/rulegraph rendering in the report test
#   chromium           -> HTML report rendering in the report test
#   espeak-ng          -> one real TTS voice reading minimal pairs for the duplicate-search test
#                         (tests/test_duplicate_minimal_pairs.py)
# Idempotent and quiet: packages already installed are not fetched again.
# Outside CI it never fails the caller: without root or apt-get it says why and exits 0,
# and the tests that need these programs skip with their own reason. In CI (CI=true, set
# by .ci/run) a package that cannot be installed fails the run (exit 1): a CI whose SLURM,
# Chromium, Graphviz or eSpeak NG tests silently skipped would stay green without them.
set -uo pipefail

case "${CI:-}" in
  1 | true | TRUE | True | yes) strict=1 ;;
  *) strict=0 ;;
esac
# give_up MESSAGE: say why nothing (more) is installed; fatal in CI only
give_up() {
  if [ "$strict" -eq 1 ]; then
    echo "install_system_deps: $1 (CI=true: failing)" >&2
    exit 1
  fi
  echo "install_system_deps: $1 (tests that need them will skip)" >&2
  exit 0
}

PACKAGES=(slurm-wlm munge graphviz chromium espeak-ng)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# check_programs: every program the tests start is on PATH, else give up
check_programs() {
  for program in slurmctld slurmd munged dot chromium espeak-ng; do
    command -v "$program" >/dev/null 2>&1 || give_up "'$program' is not on PATH"
  done
}
if [ "${#missing[@]}" -eq 0 ]; then
  check_programs
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  give_up "apt-get not available; not installing ${missing[*]}"
fi
if [ "$(id -u)" -ne 0 ]; then
  give_up "not root; not installing ${missing[*]}"
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
  failed=0
else
  echo "install_system_deps: apt-get failed; last lines:" >&2
  tail -n 20 "$log" >&2
  failed=1
fi
[ "$made_policy" -eq 1 ] && rm -f "$policy"
rm -f "$log"
if [ "$failed" -eq 1 ]; then
  give_up "could not install ${missing[*]}"
fi
check_programs
exit 0
