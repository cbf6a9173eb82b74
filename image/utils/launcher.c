/*
 * /utils/wait, /utils/copy and /utils/echo of the conlink image: small static
 * programs, so they start in any image, even one built FROM scratch (no
 * shell, no libc). TOOL names the program (compiled once per tool with
 * -DTOOL="wait").
 *
 * echo prints its arguments. wait and copy run TOOL.sh from their own
 * directory, with the same arguments:
 *   1. by the static busybox beside them when there is one; in an image
 *      without /bin/sh every busybox applet then becomes a shell function,
 *      because such an image has no programs on PATH;
 *   2. else by the image's /bin/sh (upstream's compose files copy only wait,
 *      wait.sh, copy, copy.sh and echo out of the image);
 *   3. else they fail, saying what is missing.
 * Arguments are only ever passed as arguments; the shell text below is fixed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef TOOL
#error "compile with -DTOOL='\"wait\"' (or copy, echo)"
#endif

/* Sourced by busybox sh -c: $0 is TOOL.sh, "$@" its arguments. */
static const char PRELUDE[] =
    "if [ ! -x /bin/sh ]; then\n"
    "  _conlink_bb=${0%/*}/busybox\n"
    "  for _a in $(\"$_conlink_bb\" --list); do\n"
    "    case $_a in\n"
    "      *[!A-Za-z0-9_]* | [0-9]* | busybox | echo | false | kill | printf | pwd | test | true) ;;\n"
    "      *) eval \"$_a() { \\\"\\$_conlink_bb\\\" $_a \\\"\\$@\\\"; }\" ;;\n"
    "    esac\n"
    "  done\n"
    "  unset _a\n"
    "fi\n"
    ". \"$0\"\n";

static int run_echo(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (i > 1) fputc(' ', stdout);
        fputs(argv[i], stdout);
    }
    fputc('\n', stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* The directory this program lives in (no trailing slash). */
static int own_dir(const char *argv0, char *dir, size_t size) {
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    if (n > 0) {
        dir[n] = '\0';
    } else if (strchr(argv0, '/') && strlen(argv0) < size) {
        strcpy(dir, argv0);
    } else {
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash) return -1;
    *(slash == dir ? slash + 1 : slash) = '\0';
    return 0;
}

int main(int argc, char **argv) {
    if (strcmp(TOOL, "echo") == 0) return run_echo(argc, argv);

    char dir[PATH_MAX], busybox[PATH_MAX + 16], script[PATH_MAX + 16];
    if (own_dir(argv[0], dir, sizeof dir) != 0) {
        fprintf(stderr, "%s: cannot find my own directory (is /proc mounted?)\n", TOOL);
        return 2;
    }
    snprintf(busybox, sizeof busybox, "%s/busybox", dir);
    snprintf(script, sizeof script, "%s/%s.sh", dir, TOOL);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "%s: %s is missing: copy it (or all of /utils) beside %s\n", TOOL, script, TOOL);
        return 2;
    }

    char *args[argc + 6];
    int n = 0;
    const char *interpreter;
    if (access(busybox, X_OK) == 0) {
        interpreter = busybox;
        args[n++] = busybox;
        args[n++] = "sh";
        args[n++] = "-c";
        args[n++] = (char *)PRELUDE;
    } else if (access("/bin/sh", X_OK) == 0) {
        interpreter = "/bin/sh";
        args[n++] = "/bin/sh";
    } else {
        fprintf(stderr, "%s: this image has no /bin/sh and there is no %s: copy busybox (or all of /utils) beside %s\n", TOOL, busybox, TOOL);
        return 2;
    }
    args[n++] = script;
    for (int i = 1; i < argc; i++) args[n++] = argv[i];
    args[n] = NULL;
    execv(interpreter, args);
    fprintf(stderr, "%s: cannot run %s: %s\n", TOOL, interpreter, strerror(errno));
    return 2;
}
