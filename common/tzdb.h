/*
 * tzdb.h - internal: UTC offsets of named zones from the system tz
 * database (TZif files), computed exactly as CPython's zoneinfo does.
 *
 * A pickled zoneinfo or pandas datetime names its zone ("Europe/Berlin")
 * but not its offset; the decoder asks here and prints
 * "2024-07-01T12:00:00+02:00[Europe/Berlin]".  The answers follow
 * CPython 3.11's C implementation of zoneinfo.ZoneInfo, quirks included
 * (see tzdb.c), so that the offset is the one Python itself would print.
 *
 * Keys are checked before any file is touched: 1-255 bytes of
 * [A-Za-z0-9_+-./], no empty component, no component starting with '.'
 * and no ".." anywhere, so a hostile pickle cannot name a file outside
 * the database.
 * Files are read whole, at most PR_TZIF_MAX_SIZE bytes, and checked
 * before use.  Nothing here prints, aborts or keeps global state.
 */
#ifndef PR_TZDB_H
#define PR_TZDB_H

#include <stddef.h>
#include <stdint.h>

#include "pr.h"

/* A TZif file larger than this is refused as corrupt (the biggest real
 * one is under 4 KiB). */
#define PR_TZIF_MAX_SIZE ((size_t)1 << 20)
/* Zones (found or missing) a cache remembers before it forgets the
 * oldest; bounds memory when a pickle names many zones. */
#define PR_TZCACHE_MAX 32

/* Parsed zones of one database directory.  Not thread-safe: use one per
 * decode or per thread. */
typedef struct pr_tzcache pr_tzcache;

/*
 * pr_tzcache_new - a cache reading zones from `tzdir`; NULL tzdir means
 * $TZDIR when set and not empty, else /usr/share/zoneinfo.  Nothing is
 * opened yet.  Returns NULL only when memory runs out.
 */
pr_tzcache *pr_tzcache_new(const char *tzdir);
/* Frees the cache and every zone in it; NULL-safe. */
void pr_tzcache_free(pr_tzcache *c);

/*
 * pr_tz_offset_local - the UTC offset in seconds that zone `key` has at
 * a wall-clock time, as ZoneInfo(key).utcoffset(dt) for a datetime dt
 * with that wall time and `fold` (0 or 1).  local_seconds counts wall
 * seconds from 1970-01-01T00:00 (proleptic Gregorian, no leap seconds).
 * In a repeated hour fold=0 takes the earlier offset; in a skipped hour
 * fold=0 takes the offset from before the transition, fold=1 the one
 * after.
 * Returns PR_OK; PR_EINVAL for a malformed key, a fold other than 0/1 or
 * a time more than PR_TZ_SECONDS_MAX from 1970; PR_ENOTFOUND when the
 * zone or the database is missing or the file is not a TZif file (the
 * caller then prints the zone without an offset); PR_EFORMAT when the
 * TZif file is corrupt or gives an offset Python would refuse (24 h or
 * more); PR_EIO on a read error; PR_ENOMEM.
 */
pr_code pr_tz_offset_local(pr_tzcache *c, const char *key, size_t keylen,
                           int64_t local_seconds, int fold,
                           int32_t *offset, pr_error *err);

/*
 * pr_tz_offset_utc - the offset at a UTC instant (seconds since the
 * epoch), as datetime.fromtimestamp(utc_seconds, ZoneInfo(key))
 * .utcoffset(): fromutc() finds the wall time and its fold, and the
 * offset is then read back for that wall time.  Codes as above.
 */
pr_code pr_tz_offset_utc(pr_tzcache *c, const char *key, size_t keylen,
                         int64_t utc_seconds, int32_t *offset,
                         pr_error *err);

/* Times farther than this from 1970 (about 8.9 million years) are
 * refused with PR_EINVAL; Python's own range is years 1-9999. */
#define PR_TZ_SECONDS_MAX ((int64_t)1 << 48)

/* 1 when `key` passes the key rules above (no file is touched). */
int pr_tz_key_valid(const char *key, size_t keylen);

/*
 * pr_tzif_check - parse one TZif image from memory (no cache, no file)
 * and, when it parses, run a spread of local and UTC lookups on it.
 * Returns PR_OK, PR_EFORMAT (corrupt or offsets out of range) or
 * PR_ENOMEM.  For tests and for a libFuzzer target:
 *
 *   int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
 *   { pr_tzif_check(d, n, NULL); return 0; }
 */
pr_code pr_tzif_check(const void *data, size_t len, pr_error *err);

#endif
