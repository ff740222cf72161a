/*
 * timeit.c - run one command and report its wall time and peak RSS.
 *
 *   timeit OUTFILE COMMAND [ARG...]
 *
 * Runs COMMAND with stdout to OUTFILE (stdin from /dev/null), waits, and
 * prints "SECONDS MAXRSS_KB EXIT" on stdout.  bench/measure.py uses it
 * instead of spawning the decoder itself: Linux carries a process's peak
 * RSS across exec, so a child spawned by a large Python process reports
 * Python's peak, while a child forked from this small program starts from
 * almost nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    struct rusage ru;
    double t0, t1;
    pid_t pid;
    int status, code;

    if (argc < 3) {
        fprintf(stderr, "usage: timeit OUTFILE COMMAND [ARG...]\n");
        return 2;
    }
    t0 = now();
    pid = fork();
    if (pid < 0) {
        perror("timeit: fork");
        return 2;
    }
    if (pid == 0) {
        int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);

        if (out < 0 || in < 0 || dup2(out, 1) < 0 || dup2(in, 0) < 0)
            _exit(126);
        execv(argv[2], argv + 2);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("timeit: wait4");
        return 2;
    }
    t1 = now();
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%.6f %ld %d\n", t1 - t0, ru.ru_maxrss, code);
    return 0;
}
