/*
 * loopback.h - a scripted HTTP/1.1 server on 127.0.0.1 for unit tests,
 * run in a thread of the test itself.
 *
 *   lb_server s;
 *   lb_start(&s);                                   (a free port)
 *   lb_add(&s, 503, NULL, "busy");                  one reply per request
 *   lb_add(&s, 200, "X-A: 1\r\n", "{\"ok\":1}");
 *   ... requests to http://127.0.0.1:<s.port>/... ...
 *   lb_stop(&s);                                    s.req[i] holds heads
 *
 * A step with status 0 closes the connection without replying (a
 * dropped connection); delay_ms waits first (in slices, so lb_stop never
 * hangs); no_length sends the body without Content-Length and closes.
 * Replies keep the connection open otherwise, so reuse can be counted
 * (s.accepts).  After the script, every request gets 500.
 */
#ifndef PR_LOOPBACK_H
#define PR_LOOPBACK_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LB_STEPS 32
#define LB_CONNS 8
#define LB_HEAD 4096
#define LB_FN static __attribute__((unused))

typedef struct lb_step {
    int status;             /* 0: close without a reply */
    const char *headers;    /* extra "Name: value\r\n" lines */
    const char *body;
    size_t body_len;        /* 0: strlen(body) */
    int delay_ms;
    int no_length;
} lb_step;

typedef struct lb_server {
    int lfd;
    int port;
    pthread_t th;
    lb_step steps[LB_STEPS];
    int nsteps;
    int next;
    char req[LB_STEPS][LB_HEAD];    /* request heads, in order */
    int nreq;
    int accepts;
    volatile int stop;
    pthread_mutex_t mu;
} lb_server;

LB_FN void
lb_sleep_ms(lb_server *s, int ms)
{
    struct timespec d = { 0, 10 * 1000000L };

    while (ms > 0 && !s->stop) {
        nanosleep(&d, NULL);
        ms -= 10;
    }
}

LB_FN void
lb_send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Reads one request head; 0 on EOF or error.  Bodies are not expected
 * (the client only sends GETs). */
LB_FN int
lb_read_head(lb_server *s, int fd, char *head, size_t n)
{
    size_t got = 0;

    while (got + 1 < n && !s->stop) {
        struct pollfd p = { fd, POLLIN, 0 };
        ssize_t r;

        if (poll(&p, 1, 50) <= 0)
            continue;
        r = recv(fd, head + got, n - 1 - got, 0);
        if (r <= 0)
            return 0;
        got += (size_t)r;
        head[got] = '\0';
        if (strstr(head, "\r\n\r\n") != NULL)
            return 1;
    }
    return 0;
}

/* Answers one request on fd; 0 when the connection should close. */
LB_FN int
lb_serve(lb_server *s, int fd)
{
    char head[LB_HEAD], top[512];
    lb_step st;
    size_t blen;

    if (!lb_read_head(s, fd, head, sizeof(head)))
        return 0;
    pthread_mutex_lock(&s->mu);
    if (s->nreq < LB_STEPS)
        memcpy(s->req[s->nreq++], head, sizeof(head));
    if (s->next < s->nsteps) {
        st = s->steps[s->next++];
    } else {
        memset(&st, 0, sizeof(st));
        st.status = 500;
        st.body = "script exhausted";
    }
    pthread_mutex_unlock(&s->mu);
    lb_sleep_ms(s, st.delay_ms);
    if (st.status == 0 || s->stop)
        return 0;
    blen = st.body == NULL ? 0 : st.body_len ? st.body_len : strlen(st.body);
    if (st.no_length)
        snprintf(top, sizeof(top), "HTTP/1.1 %d X\r\nConnection: close\r\n"
                 "%s\r\n", st.status, st.headers ? st.headers : "");
    else
        snprintf(top, sizeof(top), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
                 "%s\r\n", st.status, blen, st.headers ? st.headers : "");
    lb_send_all(fd, top, strlen(top));
    if (blen > 0)
        lb_send_all(fd, st.body, blen);
    return !st.no_length;
}

LB_FN void *
lb_main(void *arg)
{
    lb_server *s = arg;
    struct pollfd p[LB_CONNS + 1];
    int conns[LB_CONNS], n = 0, i;

    while (!s->stop) {
        int polled;

        memset(p, 0, sizeof(p));
        p[0].fd = s->lfd;
        p[0].events = POLLIN;
        for (i = 0; i < n; i++) {
            p[i + 1].fd = conns[i];
            p[i + 1].events = POLLIN;
        }
        polled = n;
        if (poll(p, (nfds_t)n + 1, 50) <= 0)
            continue;
        if ((p[0].revents & POLLIN) && n < LB_CONNS) {
            int fd = accept(s->lfd, NULL, NULL);

            if (fd >= 0) {
                conns[n++] = fd;
                pthread_mutex_lock(&s->mu);
                s->accepts++;
                pthread_mutex_unlock(&s->mu);
            }
        }
        for (i = polled - 1; i >= 0; i--) {
            if (p[i + 1].fd != conns[i] ||
                !(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!lb_serve(s, conns[i])) {
                close(conns[i]);
                conns[i] = conns[--n];
            }
        }
    }
    for (i = 0; i < n; i++)
        close(conns[i]);
    return NULL;
}

LB_FN int
lb_start(lb_server *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int one = 1;

    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->lfd < 0)
        return -1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->lfd, 16) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0) {
        close(s->lfd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->th, NULL, lb_main, s) != 0) {
        close(s->lfd);
        return -1;
    }
    return 0;
}

LB_FN lb_step *
lb_add(lb_server *s, int status, const char *headers, const char *body)
{
    lb_step *st = &s->steps[s->nsteps++];

    memset(st, 0, sizeof(*st));
    st->status = status;
    st->headers = headers;
    st->body = body;
    return st;
}

LB_FN void
lb_stop(lb_server *s)
{
    s->stop = 1;
    pthread_join(s->th, NULL);
    close(s->lfd);
    pthread_mutex_destroy(&s->mu);
}

/* A port nothing listens on (bound, then closed). */
LB_FN int
lb_dead_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 1;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

LB_FN long
lb_ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
           (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

#endif /* PR_LOOPBACK_H */
