/*
 * progress.c - the progress meter and bar on stderr.
 *
 * Meter columns, as curl prints them: % of the total, total size, %
 * received, received, % sent, sent, average download and upload
 * speeds, total, spent and left time, current speed.  Sizes and speeds
 * fit five characters (12345, 1234k, 12.3M, 1234M ...), times eight
 * (H:MM:SS, or days and hours).  The current speed is measured over the
 * last few seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progress.h"

#define METER_DELAY 1.0     /* seconds before the meter appears */
#define METER_SIZE ((curl_off_t)1 << 20)    /* ... for this many bytes */
#define METER_EVERY 1.0     /* seconds between redraws */
#define BAR_EVERY 0.2
#define BAR_COLS 79         /* when COLUMNS does not say */

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A size or speed in at most five characters. */
static void
fmt5(char out[32], curl_off_t v)
{
    static const char units[] = "kMGTP";
    curl_off_t unit = 1024;
    int u;

    if (v < 0)
        v = 0;
    if (v < 100000) {
        snprintf(out, 32, "%5ld", (long)v);
        return;
    }
    for (u = 0; u < 5; u++, unit *= 1024) {
        /* "1234k" while it fits, then "12.3M" in the next unit */
        if (v / unit < 10000) {
            snprintf(out, 32, "%4ld%c", (long)(v / unit), units[u]);
            return;
        }
        if (u + 1 < 5 && v / (unit * 1024) < 100) {
            curl_off_t big = unit * 1024;

            snprintf(out, 32, "%2ld.%ld%c", (long)(v / big),
                     (long)((v % big) * 10 / big), units[u + 1]);
            return;
        }
    }
    snprintf(out, 32, "%4ldP", (long)(v / (unit / 1024)));
}

/* A duration in eight characters; negative means unknown. */
static void
fmt_time(char out[32], double secs)
{
    long s, h;

    if (secs < 0) {
        memcpy(out, "--:--:--", 9);
        return;
    }
    s = (long)secs;
    h = s / 3600;
    if (h < 100)
        snprintf(out, 32, "%2ld:%02ld:%02ld", h, (s / 60) % 60, s % 60);
    else if (h / 24 < 1000)
        snprintf(out, 32, "%3ldd %02ldh", h / 24, h % 24);
    else
        snprintf(out, 32, "%7ldd", h / 24);
}

static int
pct(curl_off_t part, curl_off_t total)
{
    if (total <= 0)
        return 0;
    if (part >= total)
        return 100;
    return (int)((double)part * 100.0 / (double)total);
}

static void
sample(pcurl_progress *p, double t)
{
    curl_off_t n = p->dlnow + p->ulnow;

    if (p->nsamples == PCURL_SPEED_SAMPLES) {
        memmove(p->sample_t, p->sample_t + 1,
                sizeof(p->sample_t[0]) * (PCURL_SPEED_SAMPLES - 1));
        memmove(p->sample_n, p->sample_n + 1,
                sizeof(p->sample_n[0]) * (PCURL_SPEED_SAMPLES - 1));
        p->nsamples--;
    }
    p->sample_t[p->nsamples] = t;
    p->sample_n[p->nsamples] = n;
    p->nsamples++;
}

static void
draw_meter(pcurl_progress *p, double t)
{
    char total[32], dl[32], ul[32], dls[32], uls[32], cur[32];
    char ttotal[32], tspent[32], tleft[32];
    double spent = t - p->start, left = -1, avg_dl, avg_ul, speed;
    curl_off_t all = p->dltotal + p->ultotal;

    if (spent <= 0)
        spent = 1e-6;
    avg_dl = (double)p->dlnow / spent;
    avg_ul = (double)p->ulnow / spent;
    speed = avg_dl + avg_ul;
    if (p->nsamples >= 2 && t > p->sample_t[0])
        speed = (double)(p->dlnow + p->ulnow - p->sample_n[0]) /
                (t - p->sample_t[0]);
    if (all > 0 && avg_dl + avg_ul > 0) {
        curl_off_t rest = all - p->dlnow - p->ulnow;

        left = rest > 0 ? (double)rest / (avg_dl + avg_ul) : 0;
    }
    if (!p->shown) {
        fputs("  % Total    % Received % Xferd  Average Speed   Time    "
              "Time     Time  Current\n"
              "                                 Dload  Upload   Total   "
              "Spent    Left  Speed\n", stderr);
        p->shown = 1;
    }
    fmt5(total, all);
    fmt5(dl, p->dlnow);
    fmt5(ul, p->ulnow);
    fmt5(dls, (curl_off_t)avg_dl);
    fmt5(uls, (curl_off_t)avg_ul);
    fmt5(cur, (curl_off_t)speed);
    fmt_time(ttotal, left >= 0 ? spent + left : -1);
    fmt_time(tspent, spent);
    fmt_time(tleft, left);
    fprintf(stderr, "\r%3d %s  %3d %s  %3d %s  %s  %s %s %s %s %s",
            pct(p->dlnow + p->ulnow, all), total,
            pct(p->dlnow, p->dltotal), dl, pct(p->ulnow, p->ultotal), ul,
            dls, uls, ttotal, tspent, tleft, cur);
    fflush(stderr);
}

static int
bar_cols(void)
{
    const char *c = getenv("COLUMNS");
    long n = c != NULL ? strtol(c, NULL, 10) : 0;

    return n >= 20 && n <= 10000 ? (int)n : BAR_COLS;
}

static void
draw_bar(pcurl_progress *p, int final)
{
    int width = bar_cols() - 7, fill, i;
    curl_off_t all = p->dltotal + p->ultotal, done = p->dlnow + p->ulnow;

    p->shown = 1;
    fputc('\r', stderr);
    if (all > 0 || final) {
        double frac = all > 0 ? (double)done / (double)all : 1.0;

        if (frac > 1.0)
            frac = 1.0;
        fill = (int)(frac * width);
        for (i = 0; i < width; i++)
            fputc(i < fill ? '#' : ' ', stderr);
        fprintf(stderr, " %5.1f%%", frac * 100.0);
    } else {
        /* Unknown total: a marker that moves along the line. */
        int at = p->bar_pos++ % (width - 5);

        fprintf(stderr, "%*s-=O=-%*s", at, "", width - 5 - at, "");
    }
    fflush(stderr);
}

void
pcurl_progress_begin(pcurl_progress *p, pcurl_progress_mode mode)
{
    memset(p, 0, sizeof(*p));
    p->mode = mode;
    p->start = now();
    p->last_draw = p->start;
}

int
pcurl_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                  curl_off_t ultotal, curl_off_t ulnow)
{
    pcurl_progress *p = clientp;
    double t;

    if (p == NULL || p->mode == PCURL_PROGRESS_OFF)
        return 0;
    p->dltotal = dltotal;
    p->dlnow = dlnow;
    p->ultotal = ultotal;
    p->ulnow = ulnow;
    t = now();
    if (p->mode == PCURL_PROGRESS_BAR) {
        /* nothing to show before the first byte or a size is known */
        if (dltotal + ultotal + dlnow + ulnow == 0)
            return 0;
        if (!p->shown || t - p->last_draw >= BAR_EVERY) {
            draw_bar(p, 0);
            p->last_draw = t;
        }
        return 0;
    }
    if (p->nsamples == 0 || t - p->sample_t[p->nsamples - 1] >= 1.0)
        sample(p, t);
    if (!p->shown && (t - p->start < METER_DELAY ||
                      (dltotal + ultotal < METER_SIZE &&
                       dlnow + ulnow < METER_SIZE)))
        return 0;
    if (!p->shown || t - p->last_draw >= METER_EVERY) {
        draw_meter(p, t);
        p->last_draw = t;
    }
    return 0;
}

void
pcurl_progress_end(pcurl_progress *p)
{
    if (p->mode == PCURL_PROGRESS_OFF || !p->shown)
        return;
    if (p->mode == PCURL_PROGRESS_BAR)
        draw_bar(p, 1);
    else
        draw_meter(p, now());
    fputc('\n', stderr);
    fflush(stderr);
    p->shown = 0;
}
