/*
 * batch.c - pr_batch: many ids resolved at once, results in order.
 *
 * A window of at most `parallel` ids is in progress.  Each id has a
 * tape (http.h): its resolution is run in passes, every pass replays
 * what the earlier transfers answered and records the next requests,
 * and between passes all recorded requests of the window run at once.
 * A flow-run state id whose result is a local file takes two passes
 * and one round of transfers; a run id, a storage block and a cloud
 * object add a round each.  The window slides: when the first id is
 * done it is handed out, and its slot takes the next id.
 */
#include <string.h>

#include "pr.h"
#include "alloc.h"
#include "client.h"
#include "http.h"

/* More passes than any resolution needs (state tries, block, token,
 * object, layout fallback): a loop that does not settle is a bug. */
#define MAX_PASSES 32

enum { S_EMPTY, S_ACTIVE, S_DONE };

typedef struct slot {
    int state;
    int passes;
    pr_http_tape *tape;
    pr_buf value;
    pr_batch_result res;
} slot;

struct pr_batch {
    pr_client *c;
    pr_http *http;
    const char *const *ids;     /* ids, or states when lens is set */
    const size_t *lens;
    size_t n;
    pr_decode_opts opts;
    size_t parallel;
    size_t head;                /* the next id to hand out */
    int handed;                 /* slot of head was handed out */
    slot *slots;                /* parallel of them; id k in k % parallel */
    pr_http_tape **tapes;       /* scratch for pr_http_play */
};

static void
slot_clear(slot *s)
{
    pr_http_tape_free(s->tape);
    pr_buf_dispose(&s->value);
    memset(s, 0, sizeof(*s));
}

pr_code
pr_batch_new(pr_batch **out, pr_client *c, const char *const *ids,
             size_t n, const pr_decode_opts *opts, size_t parallel,
             pr_error *err)
{
    return pr_batch_new_states(out, c, ids, NULL, n, opts, parallel, err);
}

pr_code
pr_batch_new_states(pr_batch **out, pr_client *c, const char *const *ids,
                    const size_t *lens, size_t n,
                    const pr_decode_opts *opts, size_t parallel,
                    pr_error *err)
{
    pr_decode_opts defaults = PR_DECODE_OPTS_INIT;
    pr_batch *b;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    if (out == NULL || c == NULL || (ids == NULL && n > 0))
        return pr_error_set(err, PR_EINVAL, "pr_batch_new needs an output "
                            "pointer, a client and the ids");
    if (parallel == 0)
        parallel = PR_BATCH_PARALLEL;
    if (parallel > PR_BATCH_PARALLEL_MAX)
        parallel = PR_BATCH_PARALLEL_MAX;
    b = pr_malloc(sizeof(*b));
    if (b == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory starting a batch "
                            "of %zu ids", n);
    memset(b, 0, sizeof(*b));
    b->c = c;
    b->ids = ids;
    b->lens = lens;
    b->n = n;
    b->opts = opts != NULL ? *opts : defaults;
    b->parallel = parallel;
    /* parallel <= PR_BATCH_PARALLEL_MAX: the products cannot wrap. */
    b->slots = pr_malloc(parallel * sizeof(*b->slots));
    b->tapes = pr_malloc(parallel * sizeof(*b->tapes));
    if (b->slots != NULL)
        memset(b->slots, 0, parallel * sizeof(*b->slots));
    if (b->slots == NULL || b->tapes == NULL) {
        pr_batch_free(b);
        return pr_error_set(err, PR_ENOMEM, "out of memory starting a batch "
                            "of %zu ids", n);
    }
    /* Storage reads go through the client's HTTP layer, which is where
     * the tapes are: make it now so no backend makes its own. */
    rc = pr_client_http(c, &b->http, err);
    if (rc != PR_OK) {
        pr_batch_free(b);
        return rc;
    }
    *out = b;
    return PR_OK;
}

void
pr_batch_free(pr_batch *b)
{
    size_t i;

    if (b == NULL)
        return;
    if (b->http != NULL)
        pr_http_set_tape(b->http, NULL);
    for (i = 0; b->slots != NULL && i < b->parallel; i++)
        slot_clear(&b->slots[i]);
    pr_free(b->slots);
    pr_free(b->tapes);
    pr_free(b);
}

static void
slot_done(slot *s, pr_code rc)
{
    s->res.rc = rc;
    s->res.value = rc == PR_OK ? &s->value : NULL;
    if (rc != PR_OK)
        pr_buf_dispose(&s->value);
    pr_http_tape_free(s->tape);
    s->tape = NULL;
    s->state = S_DONE;
}

/* One pass of one id.  PR_OK unless memory ran out or a cancel. */
static pr_code
pass(pr_batch *b, slot *s, pr_error *err)
{
    const char *id = b->ids[s->res.index];
    pr_code rc;

    if (id == NULL) {
        pr_error_set(&s->res.err, PR_EINVAL, "the %s at position %zu is "
                     "null", b->lens != NULL ? "state" : "id",
                     s->res.index + 1);
        slot_done(s, PR_EINVAL);
        return PR_OK;
    }
    if (s->tape == NULL && (s->tape = pr_http_tape_new()) == NULL)
        return pr_error_set(err, PR_ENOMEM, "out of memory resolving %zu "
                            "ids at once", b->parallel);
    pr_http_tape_rewind(s->tape);
    pr_buf_dispose(&s->value);
    pr_buf_init(&s->value, b->opts.lim.max_output);
    pr_error_clear(&s->res.err);
    pr_http_set_tape(b->http, s->tape);
    if (b->lens != NULL)
        rc = pr_client_resolve(b->c, &s->value, &s->res.info, id,
                               b->lens[s->res.index], &b->opts,
                               &s->res.err);
    else
        rc = pr_client_result(b->c, &s->value, &s->res.info, id, &b->opts,
                              &s->res.err);
    pr_http_set_tape(b->http, NULL);
    if (rc == PR_ECANCELED) {
        *err = s->res.err;
        return rc;
    }
    if (rc != PR_EPENDING) {
        slot_done(s, rc);
        return PR_OK;
    }
    if (++s->passes >= MAX_PASSES ||
        pr_http_tape_pending(s->tape) == 0) {
        pr_error_set(&s->res.err, PR_EINVAL, "resolving %s %zu did not "
                     "settle after %d passes (a bug in prefect-result: "
                     "please report it)", b->lens != NULL ? "state" : "id",
                     s->res.index + 1, s->passes);
        slot_done(s, PR_EINVAL);
    }
    return PR_OK;
}

pr_code
pr_batch_next(pr_batch *b, pr_batch_result **r, pr_error *err)
{
    size_t k, end, ntapes;
    slot *s, *first;
    pr_error local;
    pr_code rc;

    if (err == NULL)
        err = &local;
    pr_error_clear(err);
    *r = NULL;
    if (b->handed) {
        slot_clear(&b->slots[b->head % b->parallel]);
        b->head++;
        b->handed = 0;
    }
    if (b->head >= b->n)
        return PR_OK;
    end = b->n - b->head < b->parallel ? b->n : b->head + b->parallel;
    first = &b->slots[b->head % b->parallel];
    for (;;) {
        /* Fill the window, then hand out the first id if it is done. */
        for (k = b->head; k < end; k++) {
            s = &b->slots[k % b->parallel];
            if (s->state == S_EMPTY) {
                s->state = S_ACTIVE;
                s->res.index = k;
            }
        }
        if (first->state == S_DONE) {
            b->handed = 1;
            *r = &first->res;
            return PR_OK;
        }
        /* Run what the last pass recorded... */
        ntapes = 0;
        for (k = b->head; k < end; k++) {
            s = &b->slots[k % b->parallel];
            if (s->state == S_ACTIVE && s->tape != NULL &&
                pr_http_tape_pending(s->tape) > 0)
                b->tapes[ntapes++] = s->tape;
        }
        rc = pr_http_play(b->http, b->tapes, ntapes, b->parallel, err);
        if (rc != PR_OK)
            return rc;
        /* ...and take every id in the window as far as it gets. */
        for (k = b->head; k < end; k++) {
            s = &b->slots[k % b->parallel];
            if (s->state != S_ACTIVE)
                continue;
            rc = pass(b, s, err);
            if (rc != PR_OK)
                return rc;
        }
    }
}
