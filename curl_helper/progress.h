/*
 * progress.h - curl's progress meter and progress bar, drawn on stderr
 * from libcurl's transfer-info callback.
 *
 * The meter (the default) uses curl's layout of twelve columns.  Unlike
 * curl it is drawn only for a large transfer (1 MiB, announced or
 * received) once it has run for a second, so API calls leave stderr
 * empty; it is never drawn under -s or --no-progress-meter, nor when the
 * body goes to a terminal on stdout.
 * The bar (-#) is drawn from the start, unless -s.
 */
#ifndef PCURL_PROGRESS_H
#define PCURL_PROGRESS_H

#include <curl/curl.h>

typedef enum pcurl_progress_mode {
    PCURL_PROGRESS_OFF = 0,
    PCURL_PROGRESS_METER,
    PCURL_PROGRESS_BAR
} pcurl_progress_mode;

#define PCURL_SPEED_SAMPLES 6

typedef struct pcurl_progress {
    pcurl_progress_mode mode;
    double start;           /* seconds, monotonic */
    double last_draw;
    int shown;              /* something was drawn for this transfer */
    int bar_pos;            /* the bouncing marker of an unknown total */
    curl_off_t dltotal, dlnow, ultotal, ulnow;
    /* one sample a second, for the current speed */
    double sample_t[PCURL_SPEED_SAMPLES];
    curl_off_t sample_n[PCURL_SPEED_SAMPLES];
    int nsamples;
} pcurl_progress;

/* Starts one transfer (each retry too). */
void pcurl_progress_begin(pcurl_progress *p, pcurl_progress_mode mode);

/* CURLOPT_XFERINFOFUNCTION; clientp is the pcurl_progress.  Returns 0. */
int pcurl_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                      curl_off_t ultotal, curl_off_t ulnow);

/* Ends the transfer: the last state and a newline, if anything was
 * drawn. */
void pcurl_progress_end(pcurl_progress *p);

#endif /* PCURL_PROGRESS_H */
