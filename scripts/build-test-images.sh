#!/usr/bin/env bash
# Build the small test image `conlink-test-node` (busybox: sh, ping, ip, nc,
# wget, httpd) FROM scratch for Docker, and load it into Podman when Podman is
# installed. Skips the work when the image is already current.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

TEST_IMAGE=${TEST_IMAGE:-conlink-test-node}
BUSYBOX=${BUSYBOX:-/bin/busybox}

build_docker_image() {
  local digest ctx
  if ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "ERROR: $BUSYBOX is dynamically linked; install busybox-static" >&2
    return 1
  fi
  digest=$(inputs_digest "$BUSYBOX" scripts/build-test-images.sh)
  if [ "$(image_label "$TEST_IMAGE" conlink.inputs)" = "$digest" ]; then
    echo "$TEST_IMAGE is current ($digest)"
    return
  fi
  ctx=$(mktemp -d /tmp/conlink-test-image.XXXXXX)
  cp "$BUSYBOX" "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
LABEL conlink.inputs=$digest
CMD ["sh"]
DOCKERFILE
  docker build -q -t "$TEST_IMAGE" "$ctx" || { rm -rf "$ctx"; return 1; }
  rm -rf "$ctx"
}

# Same image for Podman (same image id): `docker save | podman load`.
load_podman_image() {
  local want have
  want=$(docker image inspect --format '{{.Id}}' "$TEST_IMAGE")
  have=$(podman image inspect --format '{{.Id}}' "$TEST_IMAGE" 2>/dev/null || true)
  if [ "sha256:$have" = "$want" ] || [ "$have" = "$want" ]; then
    echo "$TEST_IMAGE is current in podman"
    return
  fi
  docker save "$TEST_IMAGE" | podman load -q
}

step "build $TEST_IMAGE (docker)" build_docker_image
if command -v podman >/dev/null; then
  step "load $TEST_IMAGE into podman" load_podman_image
fi
