# Sourced by /utils/wait and /utils/copy (not run on its own).
# In an image without /bin/sh (FROM scratch: no shell, no libc, no programs),
# every applet of the static busybox beside these scripts becomes a shell
# function, so that wait.sh and copy.sh find sleep, awk, nc, cp, find...
# Images that have a shell keep their own programs. Shell builtins stay
# builtins (a `cd` or `umask` function would run in a child process).
if [ ! -x /bin/sh ]; then
    for _applet in $(/utils/busybox --list); do
        case $_applet in
            *[!A-Za-z0-9_]* | [0-9]* | busybox | echo | false | kill | printf | pwd | test | true) ;;
            *) eval "$_applet() { /utils/busybox $_applet \"\$@\"; }" ;;
        esac
    done
    unset _applet
fi
