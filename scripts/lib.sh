# Shared helpers for the build and testbed scripts (sourced, not run).

# step NAME CMD...: print what runs, run it, print how long it took; returns
# CMD's exit code. (Under `set -e` a failure stops the script inside CMD; never
# call step in an `||`/`if` context, which would switch `set -e` off inside.)
step() {
  local name=$1 start=$EPOCHREALTIME rc
  shift
  echo "==> ${name}"
  "$@"
  rc=$?
  awk -v n="$name" -v s="$start" -v e="$EPOCHREALTIME" -v rc="$rc" \
    'BEGIN { printf "==> %s: %s in %.1fs\n", n, rc ? "FAILED (exit code " rc ")" : "done", e - s }'
  return "$rc"
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# A label of an image; empty when the image or the label is missing.
image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# A short digest of files and trees (paths relative to the cwd; missing ones skipped),
# stored as an image label to tell whether the image is current.
inputs_digest() {
  local p
  for p in "$@"; do
    if [ -d "$p" ]; then find "$p" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    elif [ -e "$p" ]; then sha256sum "$p"
    fi
  done | sha256sum | cut -c1-16
}
