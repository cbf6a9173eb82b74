#!/bin/sh
# copy.sh: POSIX sh version of `conlink copy` for containers without Node.js
# (busybox, alpine, dash). Same options and messages as the Node.js version.
#
# usage: copy.sh [-T|--template] [--strict] SRC_DIR DST_DIR [-- COMMAND ARGS...]
# Overlays SRC_DIR onto DST_DIR. With -T, each {{NAME}} in a copied text file
# is replaced by the environment variable NAME when it is set (values are
# only ever data: awk reads them from ENVIRON, nothing is evaluated).

USAGE='copy [-T|--template] [--strict] SRC_DIR DST_DIR [-- COMMAND ARGS...]'

usage_error() {
    echo "copy: $1" >&2
    echo "usage: $USAGE" >&2
    exit 2
}

template=
strict=
src=
dst=
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
        -T|--template) template=1 ;;
        --strict) strict=1 ;;
        -?*) usage_error "unknown option: $1" ;;
        *)
            if [ -z "$src" ]; then src=$1
            elif [ -z "$dst" ]; then dst=$1
            else usage_error "need SRC_DIR and DST_DIR"
            fi ;;
    esac
    shift
done
[ -n "$src" ] && [ -n "$dst" ] || usage_error "need SRC_DIR and DST_DIR"
[ "$1" = "--" ] && shift

if [ ! -d "$src" ]; then echo "copy: source directory not found: $src" >&2; exit 2; fi
if [ ! -d "$dst" ]; then echo "copy: destination directory not found: $dst" >&2; exit 2; fi

# NUL in the first 8 KiB: binary, copied unchanged.
is_binary() {
    [ "$(head -c 8192 "$1" | wc -c)" != "$(head -c 8192 "$1" | tr -d '\000' | wc -c)" ]
}

# Replace {{NAME}} tokens from ENVIRON, byte for byte otherwise (keeps a
# missing final newline). Exit 3 names an unset variable under --strict.
render() {  # SRC DST
    last=$(tail -c 1 "$1")
    awk -v strict="$strict" -v endnl="$([ -z "$last" ] && echo 1)" '
        {
            out = ""; rest = $0
            while (match(rest, /\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/)) {
                name = substr(rest, RSTART + 2, RLENGTH - 4)
                out = out substr(rest, 1, RSTART - 1)
                if (name in ENVIRON) out = out ENVIRON[name]
                else if (strict) { print name > "/dev/stderr"; exit 3 }
                else out = out substr(rest, RSTART, RLENGTH)
                rest = substr(rest, RSTART + RLENGTH)
            }
            printf "%s%s", (NR > 1 ? "\n" : ""), out rest
        }
        END { if (NR > 0 && endnl) printf "\n" }
    ' "$1" > "$2" 2> "$2.copy-err"
    rc=$?
    if [ "$rc" = 3 ]; then
        echo "copy: $1: variable $(cat "$2.copy-err") is not set" >&2
        rm -f "$2.copy-err" "$2"
        exit 1
    fi
    rm -f "$2.copy-err"
    return "$rc"
}

# Directories (parents before children), then files; no temporary file, as
# minimal images may have no /tmp. Each loop runs in a pipeline subshell, so
# its `exit 1` becomes the pipeline's status.
make_dirs() {
    while IFS= read -r rel; do
        [ "$rel" = "." ] && continue
        if [ ! -e "$dst/$rel" ] && [ ! -L "$dst/$rel" ]; then
            mkdir "$dst/$rel" || exit 1
            chmod "$(stat -c %a "$src/$rel")" "$dst/$rel" && chmod u+rwx "$dst/$rel" || exit 1
        fi
    done
}

# Prints how many files it copied.
copy_files() {
    n=0
    while IFS= read -r rel; do
        rel=${rel#./}
        from=$src/$rel
        to=$dst/$rel
        rm -f "$to" || exit 1
        if [ -L "$from" ]; then
            ln -s "$(readlink "$from")" "$to" || exit 1
        else
            if [ -n "$template" ] && ! is_binary "$from"; then
                render "$from" "$to" || exit 1
            else
                cp "$from" "$to" || exit 1
            fi
            chmod "$(stat -c %a "$from")" "$to" && chmod u+w "$to" || exit 1
        fi
        n=$((n + 1))
    done
    echo "$n"
}

(cd "$src" && find . -type d) | make_dirs || exit 1
count=$( (cd "$src" && find . ! -type d) | copy_files ) || exit 1
echo "copy: $src -> $dst ($count files)"
[ "$#" -gt 0 ] && exec "$@"
exit 0
