#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install and start what is
# needed, build the image, bring up the routed example T1, show h1 pinging h3
# through the router r0 and the network picture, then tear it all down.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PROJECT=conlink-demo
COMPOSE_FILE_T1=examples/test1-compose.yaml
OUT_DIR=${OUT_DIR:-demo-output}

if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
compose() { "${COMPOSE[@]}" -p "$PROJECT" -f "$COMPOSE_FILE_T1" "$@"; }

install_deps() {
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
}

wait_connected() {
  local deadline=$((SECONDS + 60))
  until compose logs network 2>/dev/null | grep -q 'All links connected'; do
    [ $SECONDS -lt $deadline ] || { compose logs network; echo "ERROR: links not connected after 60 s" >&2; return 1; }
    sleep 0.3
  done
  compose logs --no-color network | sed 's/^/    /'
}

show_picture() {
  mkdir -p "$OUT_DIR"
  node bin/conlink.js net2dot --compose-file "$COMPOSE_FILE_T1" 2>/dev/null >"$OUT_DIR/t1.dot"
  node bin/conlink.js net2dot --compose-file "$COMPOSE_FILE_T1" --format svg -o "$OUT_DIR/t1.svg"
  node bin/conlink.js net2dot --compose-file "$COMPOSE_FILE_T1" --format html -o "$OUT_DIR/t1.html" 2>/dev/null
  echo "network picture: $OUT_DIR/t1.svg, as a page: $OUT_DIR/t1.html (DOT source: $OUT_DIR/t1.dot); its edges:"
  grep -E -- ' -- ' "$OUT_DIR/t1.dot" | sed 's/^/    /'
}

step "npm dependencies" install_deps
step "build" npm run build --silent
step "testbed (engine, images)" env SKIP_TSC=1 bash scripts/testbed.sh
trap 'step "tear down" compose down -t 1 >/dev/null 2>&1' EXIT
step "bring up T1 (${COMPOSE[*]})" compose up -d
step "wait for the network container" wait_connected
step "h1 pings h3 (10.0.0.100) through r0" compose exec -T h1 ping -c 3 10.0.0.100
step "network picture" show_picture
