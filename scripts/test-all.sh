#!/usr/bin/env bash
# Everything CI runs: npm dependencies, the TypeScript build, lint (eslint,
# tsc over test/ and bench/, knip), the testbed (packages, Docker, Podman,
# images), then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# npm records the installed tree in node_modules/.package-lock.json.
install_deps() {
  if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "node_modules is current"
    return
  fi
  npm ci --no-audit --no-fund
}

total_start=$EPOCHREALTIME
step "npm ci" install_deps
step "npm run build" npm run build --silent
# The images need the build above, so the image script skips its own tsc run.
step "testbed" env SKIP_TSC=1 bash scripts/testbed.sh
set +e # run the tests to the end, then report
step "npm run lint" npm run lint --silent
lint_status=$?
step "npm test" npm test
status=$?
set -e
awk -v s="$total_start" -v e="$EPOCHREALTIME" -v rc="$status" -v lint="$lint_status" 'BEGIN { printf "==> all done in %.1fs (lint exit code %d, npm test exit code %d)\n", e - s, lint, rc }'
[ "$lint_status" -eq 0 ] || exit "$lint_status"
exit "$status"
