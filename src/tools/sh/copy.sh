#!/bin/sh
# copy.sh: POSIX sh version of `conlink copy` for containers without Node.js
# (busybox, alpine, dash). Same options and messages as the Node.js version
# (--handlebars is Node.js only).
#
# usage: copy.sh [-T|--template] [--strict] SRC_DIR DST_DIR [-- COMMAND ARGS...]
# Overlays SRC_DIR onto DST_DIR. With -T, each {{NAME}} in a copied text file
# is replaced by the environment variable NAME when it is set (values are
# only ever data: awk reads them from ENVIRON, nothing is evaluated).
# Never writes outside DST_DIR: a link in DST_DIR is replaced, never
# followed; names are never split (globs, no `find | read`).

USAGE='copy [-T|--template] [--strict] [--handlebars] SRC_DIR DST_DIR [-- COMMAND ARGS...]'

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
        --handlebars) echo "copy: --handlebars needs the Node.js version (conlink copy)" >&2; exit 2 ;;
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

real_src=$(cd -P -- "$src" && pwd -P) || exit 2
real_dst=$(cd -P -- "$dst" && pwd -P) || exit 2
case "$real_dst/" in
    "${real_src%/}/"*) echo "copy: destination $dst is inside source $src" >&2; exit 2 ;;
esac

# A NUL byte anywhere: binary, copied unchanged (awk cannot carry NUL).
is_binary() {
    [ "$(wc -c < "$1")" != "$(tr -d '\000' < "$1" | wc -c)" ]
}

# Replace {{NAME}} tokens from ENVIRON, byte for byte otherwise (keeps a
# missing final newline; LC_ALL=C: bytes, not characters). Exit 3 names an
# unset variable under --strict.
render() {  # SRC DST
    last=$(tail -c 1 "$1")
    LC_ALL=C awk -v strict="$strict" -v endnl="$([ -z "$last" ] && echo 1)" '
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

# Permissions only: setuid, setgid and sticky bits are dropped, as `cp` does.
copy_mode() {  # FROM TO EXTRA
    _mode=$(stat -c %a "$1") || return 1
    while [ "${#_mode}" -gt 3 ]; do _mode=${_mode#?}; done
    chmod "$_mode" "$2" && chmod "ug-s,$3" "$2"
}

replace_error() {  # TO WHAT
    echo "copy: cannot replace directory $1 with $2" >&2
    exit 1
}

# Copy the entries of SRC/REL (REL empty or ending in /) into DST/REL; prints
# how many files it copied. Each directory is walked in a subshell, so the
# variables of one level stay its own.
copy_dir() {  # REL
    n=0
    for from in "$src/$1"* "$src/$1".[!.]* "$src/$1"..?*; do
        [ -e "$from" ] || [ -L "$from" ] || continue
        rel=$1${from#"$src/$1"}
        to=$dst/$rel
        if [ -L "$from" ]; then
            if [ -d "$to" ] && [ ! -L "$to" ]; then replace_error "$to" "a link"; fi
            rm -f "$to" && ln -s "$(readlink "$from")" "$to" || exit 1
            n=$((n + 1))
        elif [ -d "$from" ]; then
            if [ -L "$to" ] || { [ -e "$to" ] && [ ! -d "$to" ]; }; then rm -f "$to" || exit 1; fi
            if [ ! -d "$to" ]; then
                mkdir "$to" && copy_mode "$from" "$to" u+rwx || exit 1
            fi
            sub=$(copy_dir "$rel/") || exit 1
            n=$((n + sub))
        elif [ -f "$from" ]; then
            if [ -d "$to" ] && [ ! -L "$to" ]; then replace_error "$to" "a file"; fi
            rm -f "$to" || exit 1
            if [ -n "$template" ] && ! is_binary "$from"; then
                render "$from" "$to" || exit 1
            else
                cp "$from" "$to" || exit 1
            fi
            copy_mode "$from" "$to" u+w || exit 1
            n=$((n + 1))
        else
            echo "copy: warning: skipping $from: not a regular file, directory or link" >&2
        fi
    done
    echo "$n"
}

count=$(copy_dir "") || exit 1
echo "copy: $src -> $dst ($count files)"
[ "$#" -gt 0 ] && exec "$@"
exit 0
