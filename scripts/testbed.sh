#!/usr/bin/env bash
# Make this machine ready for conlink's tests; idempotent and fast when all is
# present: Debian packages, a Docker engine, Podman's config and API service,
# the test image and the conlink image. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PACKAGES=(docker.io docker-compose iptables ethtool busybox-static debootstrap tcpdump podman iproute2 procps gcc libc6-dev)
DOCKER_LOG=${DOCKER_LOG:-/var/log/dockerd.log}
PODMAN_SOCK=${PODMAN_SOCK:-/var/run/podman/podman.sock}
# rootless Podman (test/e2e/up-t3-rootless.test.ts)
PACKAGES+=(uidmap slirp4netns fuse-overlayfs)
PODMAN_LOG=${PODMAN_LOG:-/var/log/podman-service.log}
CONTAINERS_CONF=/etc/containers/containers.conf
# The browser for conlink web's test (puppeteer-core drives Debian's chromium); curl for its Host check.
PACKAGES+=(chromium curl)

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "all present: ${PACKAGES[*]}"
    return
  fi
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# wait_for SECONDS DESCRIPTION CMD...: retry CMD every 0.5 s.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "ERROR: $what did not come up" >&2
      return 1
    fi
    sleep 0.5
  done
}

start_docker() {
  if docker version >/dev/null 2>&1; then
    echo "dockerd answers"
    return
  fi
  # A dockerd that was killed (e.g. at the end of a session) leaves pid files behind.
  if ! pgrep -x dockerd >/dev/null; then rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid; fi
  echo "starting dockerd (log: $DOCKER_LOG)"
  setsid dockerd >"$DOCKER_LOG" 2>&1 </dev/null &
  wait_for 60 dockerd docker version || { tail -n 20 "$DOCKER_LOG" >&2; return 1; }
}

# Podman's defaults ask for more open files than this machine's hard limit.
configure_podman() {
  if [ -e "$CONTAINERS_CONF" ]; then
    grep -q default_ulimits "$CONTAINERS_CONF" || echo "WARNING: $CONTAINERS_CONF has no default_ulimits; podman run may fail" >&2
    echo "$CONTAINERS_CONF present"
    return
  fi
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
  echo "wrote $CONTAINERS_CONF"
}

# The Docker-compatible API answers on the socket (node is always here; curl may not be).
podman_api_answers() {
  node -e '
    const req = require("http").get({ socketPath: process.argv[1], path: "/v1.41/_ping", timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
    req.on("error", () => process.exit(1)); req.on("timeout", () => process.exit(1))' "$PODMAN_SOCK"
}

start_podman_service() {
  if podman_api_answers; then
    echo "podman API answers on $PODMAN_SOCK"
    return
  fi
  mkdir -p "$(dirname "$PODMAN_SOCK")"
  rm -f "$PODMAN_SOCK"
  echo "starting podman system service (log: $PODMAN_LOG)"
  setsid podman system service --time=0 "unix://$PODMAN_SOCK" >"$PODMAN_LOG" 2>&1 </dev/null &
  wait_for 30 "podman API" podman_api_answers || { tail -n 20 "$PODMAN_LOG" >&2; return 1; }
}

# The e2e tests launch the network container under Podman too: same image id there.
load_conlink_into_podman() {
  local want have
  want=$(docker image inspect --format '{{.Id}}' conlink:latest)
  have=$(podman image inspect --format '{{.Id}}' conlink:latest 2>/dev/null || true)
  if [ "sha256:$have" = "$want" ] || [ "$have" = "$want" ]; then
    echo "conlink:latest is current in podman"
    return
  fi
  docker save conlink:latest | podman load -q
}

step "debian packages" install_packages
step "docker engine" start_docker
step "podman config" configure_podman
step "podman API service" start_podman_service
step "test images" bash scripts/build-test-images.sh
step "conlink image" bash scripts/build-image.sh
step "load conlink image into podman" load_conlink_into_podman
