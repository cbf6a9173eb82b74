#!/usr/bin/env bash
# Build the conlink image (conlink:latest) on any machine with a Docker engine.
#
# Base: the public node:20-bookworm-slim when it is present or can be pulled;
# otherwise a local Debian bookworm base (conlink-base:bookworm) made once with
# debootstrap plus this machine's node binary, then reused.
# Steps: `npm run build` (skip with SKIP_TSC=1), production node_modules staged
# offline (copy + `npm prune --omit=dev`, kept in STAGE_DIR until the lock file
# changes), /utils assembled (wait, copy, echo compiled static from
# image/utils/launcher.c, the sh tools, this machine's static busybox from
# Debian's busybox-static), `docker build` from that small staged context. Skips the build
# when the image already carries the same inputs digest (an image label).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

IMAGE=${IMAGE:-conlink:latest}
PUBLIC_BASE=${PUBLIC_BASE:-node:20-bookworm-slim}
LOCAL_BASE=${LOCAL_BASE:-conlink-base:bookworm}
STAGE_DIR=${STAGE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conlink-image}
DEBOOTSTRAP_LOG=${DEBOOTSTRAP_LOG:-/tmp/conlink-base-debootstrap.log}
BASE_PACKAGES=iproute2,iptables,ethtool,tcpdump,procps,iputils-ping,openvswitch-switch
# What goes into /app (missing optional trees are staged empty).
APP_FILES=(package.json package-lock.json bin dist schema src/tools/sh src/net/job-helper.pl)
# /utils: upstream's tools for other containers, run by a static busybox (see docs/tools.md).
BUSYBOX=${BUSYBOX:-/bin/busybox}
UTILS_FILES=(image/utils src/tools/sh/wait.sh src/tools/sh/copy.sh "$BUSYBOX")
CC=${CC:-gcc}

tmp_dirs=()
cleanup() {
  local d
  for d in "${tmp_dirs[@]}"; do
    # debootstrap mounts proc/sys inside its root; never recurse into them.
    awk -v r="$d/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
    rm -rf --one-file-system "$d"
  done
}
trap cleanup EXIT

mkdir -p "$STAGE_DIR"

# new_tmp_dir NAME VAR: a temporary directory removed at exit, its path put in VAR.
new_tmp_dir() {
  local d
  d=$(mktemp -d "/tmp/conlink-$1.XXXXXX")
  tmp_dirs+=("$d")
  printf -v "$2" '%s' "$d"
}

# Sets BASE_ARGS: the public base when usable, else the local one.
choose_base() {
  if have_image "$PUBLIC_BASE" || timeout 60 docker pull -q "$PUBLIC_BASE" >/dev/null 2>&1; then
    echo "base: $PUBLIC_BASE"
    BASE_ARGS=(--build-arg "BASE=$PUBLIC_BASE")
    BASE_IMAGE=$PUBLIC_BASE
  else
    echo "base: $PUBLIC_BASE cannot be pulled; using local $LOCAL_BASE"
    step "local base $LOCAL_BASE" build_local_base
    BASE_ARGS=(--build-arg "BASE=$LOCAL_BASE" --build-arg PREINSTALLED=1)
    BASE_IMAGE=$LOCAL_BASE
  fi
}

build_local_base() {
  local root=
  if have_image "$LOCAL_BASE"; then
    echo "$LOCAL_BASE is present"
    return
  fi
  new_tmp_dir base root
  echo "debootstrap bookworm (+ $BASE_PACKAGES), log: $DEBOOTSTRAP_LOG"
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$root" >"$DEBOOTSTRAP_LOG" 2>&1; then
    tail -n 20 "$DEBOOTSTRAP_LOG" >&2
    return 1
  fi
  install -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
  # Fails here, not in the image, when node needs a library the base lacks.
  chroot "$root" /usr/local/bin/node --version
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$LOCAL_BASE"
}

# A build context kept between builds: app files copied fresh each time,
# production node_modules (copy + offline prune) only when the lock file changes.
stage_context() {
  local ctx=$STAGE_DIR/context want have p
  mkdir -p "$ctx"
  want=$(inputs_digest package-lock.json)
  have=$(cat "$STAGE_DIR/node_modules.digest" 2>/dev/null || true)
  if [ "$want" != "$have" ] || [ ! -d "$ctx/node_modules" ]; then
    echo "staging production node_modules"
    rm -rf "$ctx/node_modules" "$STAGE_DIR/node_modules.digest"
    cp -a node_modules "$ctx/"
    cp package.json package-lock.json "$ctx/"
    (cd "$ctx" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$STAGE_DIR/node_modules.digest"
  fi
  for p in "${APP_FILES[@]}" Dockerfile; do
    rm -rf "${ctx:?}/$p"
    mkdir -p "$ctx/$(dirname "$p")"
    if [ -e "$p" ]; then cp -a "$p" "$ctx/$p"; else mkdir -p "$ctx/$p"; fi
  done
  stage_utils "$ctx/utils"
}

# /utils: wait, copy, echo (static programs), wait.sh, copy.sh, busybox (static).
stage_utils() {
  local out=$1 tool
  if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "ERROR: $BUSYBOX is missing or dynamically linked; install Debian's busybox-static (or set BUSYBOX)" >&2
    return 1
  fi
  rm -rf "${out:?}"
  mkdir -p "$out"
  for tool in wait copy echo; do
    if ! "$CC" -static -Os -s -Wall -Werror -DTOOL="\"$tool\"" -o "$out/$tool" image/utils/launcher.c; then
      echo "ERROR: cannot build /utils/$tool statically with $CC; install gcc and libc6-dev" >&2
      return 1
    fi
  done
  cp src/tools/sh/wait.sh src/tools/sh/copy.sh "$out/"
  cp "$BUSYBOX" "$out/busybox"
  chmod 0755 "$out"/*
}

build_image() {
  local digest
  digest=$(inputs_digest Dockerfile "${APP_FILES[@]}" "${UTILS_FILES[@]}")-$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" | cut -c8-19)
  if [ "$(image_label "$IMAGE" conlink.inputs)" = "$digest" ]; then
    echo "$IMAGE is current ($digest)"
    return
  fi
  exec 9>"$STAGE_DIR/lock"
  flock 9 # one build at a time uses the staged context
  stage_context
  docker build -q "${BASE_ARGS[@]}" --label "conlink.inputs=$digest" -t "$IMAGE" "$STAGE_DIR/context"
}

if [ ! -d node_modules ]; then
  echo "ERROR: no node_modules here: run \`npm ci\` first" >&2
  exit 1
fi
if [ "${SKIP_TSC:-}" != 1 ]; then step "npm run build" npm run build --silent; fi
step "choose base" choose_base
step "docker build $IMAGE" build_image
