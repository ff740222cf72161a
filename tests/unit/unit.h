/*
 * unit.h - a tiny test framework for tests/unit/test_<module>.c.
 *
 *   TEST(pickle_rejects_unknown_opcode) { CHECK(...); CHECK_EQ_STR(a, b); }
 *   int main(void) { RUN(pickle_rejects_unknown_opcode); return unit_done(); }
 *
 * Each binary prints one line per failed check and ends with
 * "N passed, N failed" for its own cases; exit status 1 on any failure.
 */
#ifndef PR_UNIT_H
#define PR_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_case_failed;
static const char *unit_case;

#define TEST(name) static void name(void)

#define RUN(name) do {                                              \
        unit_case = #name; unit_case_failed = 0;                    \
        name();                                                     \
        if (unit_case_failed) unit_failed++; else unit_passed++;    \
    } while (0)

#define CHECK(cond) do {                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "FAIL %s (%s:%d): %s\n", unit_case,     \
                    __FILE__, __LINE__, #cond);                     \
            unit_case_failed = 1;                                   \
        }                                                           \
    } while (0)

#define CHECK_EQ_STR(a, b) do {                                     \
        const char *ua_ = (a), *ub_ = (b);                          \
        if (ua_ == NULL || ub_ == NULL || strcmp(ua_, ub_) != 0) {  \
            fprintf(stderr, "FAIL %s (%s:%d): %s\n  got:  %s\n"     \
                    "  want: %s\n", unit_case, __FILE__, __LINE__,  \
                    #a, ua_ ? ua_ : "(null)", ub_ ? ub_ : "(null)");\
            unit_case_failed = 1;                                   \
        }                                                           \
    } while (0)

#define CHECK_EQ_INT(a, b) do {                                     \
        long long ua_ = (long long)(a), ub_ = (long long)(b);       \
        if (ua_ != ub_) {                                           \
            fprintf(stderr, "FAIL %s (%s:%d): %s == %lld, want %lld\n",\
                    unit_case, __FILE__, __LINE__, #a, ua_, ub_);   \
            unit_case_failed = 1;                                   \
        }                                                           \
    } while (0)

static int
unit_done(void)
{
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
