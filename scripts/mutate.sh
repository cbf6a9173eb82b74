#!/usr/bin/env bash
# Mutation testing (StrykerJS, tap runner, concurrency 1): one run per module,
# reports in reports/mutation/<module>.json and a score table on stdout.
#   bash scripts/mutate.sh                 # config resolve graph executor
#   bash scripts/mutate.sh graph resolve   # some of them
# The executor's attribution tests use network namespaces: as root, that run
# takes the shared lock (/tmp/conlink-root.lock) like every namespace test;
# MUTATE_UNIT_ONLY=1 leaves them out (no root, no lock).
# Niced (nice -n 15): the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(config resolve graph executor)
for m in "${modules[@]}"; do
  start=$SECONDS
  echo "==> mutation testing: $m"
  if [ "$m" = executor ] && [ "$(id -u)" = 0 ] && [ -z "${MUTATE_UNIT_ONLY:-}" ]; then
    MUTATE_MODULE=$m flock /tmp/conlink-root.lock nice -n 15 npx stryker run
  else
    MUTATE_MODULE=$m nice -n 15 npx stryker run
  fi
  echo "==> $m: $((SECONDS - start)) s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
