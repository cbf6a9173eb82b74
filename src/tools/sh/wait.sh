#!/bin/sh
# wait.sh: POSIX sh version of `conlink wait` for containers without Node.js
# (busybox, alpine, dash). Same options and messages as the Node.js version.
#
# usage: wait.sh [-f FILE] [-i IF] [-I IF] [-t HOST:PORT] [-c CMD] [-u MASK]
#                [-s SECS] [--timeout SECS] [-- COMMAND ARGS...]
# Conditions are checked in the order given, each retried every WAIT_SLEEP
# seconds (default 1) until it holds; then COMMAND is exec'd.

USAGE='wait [-f FILE] [-i IF] [-I IF] [-t HOST:PORT] [-c CMD] [-u MASK] [-s SECS] [--timeout SECS] [-- COMMAND ARGS...]'

usage_error() {
    echo "wait: $1" >&2
    echo "usage: $USAGE" >&2
    exit 2
}

# Seconds: digits with an optional fraction, at most 2000000 (as the Node.js version).
is_number() {
    case "$1" in
        ''|*[!0-9.]*|.*|*.|*.*.*) return 1 ;;
    esac
    _int=${1%%.*}
    while [ "${#_int}" -gt 1 ] && [ "${_int#0}" != "$_int" ]; do _int=${_int#0}; done
    [ "${#_int}" -le 7 ] && [ "$_int" -le 2000000 ] && { [ "$_int" -lt 2000000 ] || [ "$_int" = "$1" ] || [ -z "$(printf '%s' "${1#*.}" | tr -d 0)" ]; }
}

check_number() {  # OPT VALUE
    is_number "$2" || usage_error "bad number for $1: $(printf '%s' "$2" | cut -c 1-200) (seconds, at most 2000000)"
}

check_hostport() {  # VALUE
    case "$1" in
        *:*) ;;
        *) usage_error "bad HOST:PORT for -t: $1 (port must be 1..65535)" ;;
    esac
    _host=${1%:*}
    _port=${1##*:}
    case "$_port" in
        ''|*[!0-9]*) usage_error "bad HOST:PORT for -t: $1 (port must be 1..65535)" ;;
    esac
    if [ -z "$_host" ] || [ "${#_port}" -gt 5 ] || [ "$_port" -lt 1 ] || [ "$_port" -gt 65535 ]; then
        usage_error "bad HOST:PORT for -t: $1 (port must be 1..65535)"
    fi
}

# First pass: validate everything before waiting on anything.
timeout=
expect=
for arg in "$@"; do
    if [ -n "$expect" ]; then
        case "$expect" in
            -t|--tcp) check_hostport "$arg" ;;
            -s|--sleep) check_number "$expect" "$arg" ;;
            --timeout) check_number "$expect" "$arg"; timeout=$arg ;;
            -u|--umask)
                case "$arg" in
                    ''|*[!0-7]*|?????*) usage_error "bad umask: $arg" ;;
                esac ;;
        esac
        expect=
        continue
    fi
    case "$arg" in
        --) break ;;
        -f|--file|-i|--if|--intf|-I|--ip|-t|--tcp|-c|--cmd|--command|-u|--umask|-s|--sleep|--timeout) expect=$arg ;;
        -*) usage_error "unknown option: $arg" ;;
        *) usage_error "unexpected argument: $arg" ;;
    esac
done
[ -z "$expect" ] || usage_error "option $expect needs an argument"

interval=${WAIT_SLEEP:-1}
is_number "$interval" || interval=1
# only with --timeout: an image may have no `date`
[ -n "$timeout" ] && start=$(date +%s)

# A signal ends wait at once, even as PID 1 (where an untrapped TERM is
# ignored), with the command being waited on.
child=
stop() {  # STATUS
    [ -n "$child" ] && kill -9 "$child" 2>/dev/null
    exit "$1"
}
trap 'stop 143' TERM
trap 'stop 130' INT
trap 'stop 129' HUP

# nc, else busybox nc, else bash's /dev/tcp (host and port are bash's
# arguments, never part of its script).
tcp_open() {  # HOST PORT
    if command -v nc >/dev/null 2>&1; then
        if nc --help 2>&1 | grep -q -- '-z'; then
            nc -z -w 1 "$1" "$2" >/dev/null 2>&1
        else
            nc -w 1 "$1" "$2" </dev/null >/dev/null 2>&1
        fi
    elif command -v busybox >/dev/null 2>&1; then
        busybox nc -w 1 "$1" "$2" </dev/null >/dev/null 2>&1
    elif command -v bash >/dev/null 2>&1; then
        if command -v timeout >/dev/null 2>&1; then
            timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' bash "$1" "$2" 2>/dev/null
        else
            bash -c 'exec 3<>"/dev/tcp/$1/$2"' bash "$1" "$2" 2>/dev/null
        fi
    else
        echo "wait: cannot test tcp $1:$2: needs nc, busybox or bash" >&2
        exit 1
    fi
}

# Runs in the background, so a signal or --timeout can stop it.
run_cmd() {  # CMD
    sh -c "$1" </dev/null >/dev/null 2>&1 &
    child=$!
    if [ -n "$timeout" ]; then
        _cmd_start=$(date +%s)
        while kill -0 "$child" 2>/dev/null; do
            _now=$(date +%s)
            if [ $(( _now - start )) -ge "${timeout%%.*}" ] && [ $(( _now - _cmd_start )) -ge 1 ]; then
                kill -9 "$child" 2>/dev/null
                break
            fi
            sleep 0.1 & wait $!
        done
    fi
    wait "$child" 2>/dev/null
    _rc=$?
    child=
    return "$_rc"
}

has_route() {  # IF
    [ -r /proc/net/route ] && awk -v intf="$1" '$1 == intf { found = 1 } END { exit !found }' /proc/net/route
}

check() {  # KIND ARG
    case "$1" in
        file) [ -e "$2" ] ;;
        intf) [ -e "/sys/class/net/$2" ] ;;
        ip) has_route "$2" ;;
        tcp) tcp_open "${2%:*}" "${2##*:}" ;;
        cmd) run_cmd "$2" ;;
    esac
}

wait_for() {  # KIND ARG DESCRIPTION
    while ! check "$1" "$2"; do
        if [ -n "$timeout" ] && [ $(( $(date +%s) - start )) -ge "${timeout%%.*}" ]; then
            echo "wait: timeout after ${timeout}s: $3 not ready" >&2
            exit 1
        fi
        sleep "$interval" & wait $!
    done
    echo "wait: $3: ready"
}

# Second pass: wait, in order.
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
        -f|--file) wait_for file "$2" "file $2" ;;
        -i|--if|--intf) wait_for intf "$2" "interface $2" ;;
        -I|--ip) wait_for ip "$2" "ip on $2" ;;
        -t|--tcp) wait_for tcp "$2" "tcp $2" ;;
        -c|--cmd|--command) wait_for cmd "$2" "command $2" ;;
        -u|--umask) umask "$2" ;;
        -s|--sleep) interval=$2 ;;
    esac
    shift 2
done

if [ "$1" = "--" ]; then
    shift
    [ "$#" -gt 0 ] && exec "$@"
fi
exit 0
