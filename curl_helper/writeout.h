/*
 * writeout.h - curl's -w/--write-out: a format with %{variable}s,
 * %header{name}, %%, and the escapes \n, \r and \t, printed to stdout
 * (or stderr after %{stderr}) after each transfer, whether it
 * succeeded or not.
 */
#ifndef PCURL_WRITEOUT_H
#define PCURL_WRITEOUT_H

#include <curl/curl.h>

#include "args.h"

/* What -w needs besides libcurl's own counters. */
typedef struct pcurl_wo_info {
    CURL *h;                /* the transfer's handle; NULL: no transfer */
    const pcurl_target *t;
    int exitcode;
    const char *errormsg;   /* "" when none */
} pcurl_wo_info;

/* Prints the format for one transfer.  Unknown variables are warned
 * about on stderr (as curl does, even under -s) and print nothing. */
void pcurl_write_out(const pcurl_args *a, const pcurl_wo_info *wi);

#endif /* PCURL_WRITEOUT_H */
