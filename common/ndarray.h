/*
 * ndarray.h - internal: checked views of pickled numpy dtypes and arrays,
 * and the writers that turn their elements into JSON.
 *
 * numpy pickles an array as a dtype (REDUCE of numpy.dtype plus a BUILD
 * state tuple) and a shape and raw bytes, or a list for object arrays.
 * The parsers here check every part against the others (item sizes,
 * field offsets, shape product against the buffer length) before a view
 * is handed out, so the writers can index the data without further
 * checks.  rec_numpy.c renders arrays and scalars with them; rec_pandas.c
 * reuses them for the arrays inside pandas objects.
 */
#ifndef PR_NDARRAY_H
#define PR_NDARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/* Nesting of structured and subarray dtypes we follow; a deeper dtype is
 * left to the generic rendering (numpy itself stops at 32). */
#define PE_DT_MAX_DEPTH 16
/* dtype nodes one parse may visit: fields can share a sub-dtype, and a
 * shared one nested deep would otherwise be walked exponentially often. */
#define PE_DT_MAX_NODES 65536L
/* Dimensions of an array (numpy 2 allows 64). */
#define PE_ND_MAX_DIM 64

/* datetime64/timedelta64 units, numbered as numpy's NPY_DATETIMEUNIT
 * (pandas pickles these numbers as a Timestamp's resolution). */
typedef enum pe_dt_unit {
    PE_UNIT_Y = 0, PE_UNIT_M = 1, PE_UNIT_W = 2, PE_UNIT_D = 4,
    PE_UNIT_h = 5, PE_UNIT_m = 6, PE_UNIT_s = 7, PE_UNIT_ms = 8,
    PE_UNIT_us = 9, PE_UNIT_ns = 10, PE_UNIT_ps = 11, PE_UNIT_fs = 12,
    PE_UNIT_as = 13, PE_UNIT_GENERIC = 14
} pe_dt_unit;

/* How datetime64 values are written: as str(numpy.datetime64) prints
 * them (fixed digits of the unit), or as pandas' Timestamp.isoformat()
 * (what a value read out of a pandas container prints). */
enum { PE_DTSTYLE_NUMPY = 0, PE_DTSTYLE_PANDAS = 1 };

/* The NaT sentinel of datetime64/timedelta64. */
#define PE_NAT INT64_MIN

typedef struct pe_dtype pe_dtype;

typedef struct pe_dfield {
    const char *name;       /* UTF-8, name_len bytes */
    uint32_t name_len;
    size_t offset;          /* within the item; offset + size <= item */
    const pe_dtype *dt;
} pe_dfield;

struct pe_dtype {
    char kind;              /* b i u f c M m S U V O */
    uint8_t big;            /* data is big-endian */
    uint8_t unit;           /* pe_dt_unit for M and m */
    uint8_t hasobj;         /* holds Python objects (pickled as a list) */
    uint8_t depth;          /* JSON levels an item adds (0: a scalar) */
    int64_t unit_num;       /* unit multiplier ([10s] is 10), >= 1 */
    size_t itemsize;
    uint32_t nfields;       /* structured: fields in order, else 0 */
    const pe_dfield *fields;
    const pe_dtype *base;   /* subarray: the item type, else NULL */
    uint32_t sub_ndim;
    const size_t *sub_shape;
    size_t sub_count;       /* items in one subarray */
};

/* A checked array.  data/len hold count * itemsize bytes in C or Fortran
 * order; object arrays have items instead (count values, C order). */
typedef struct pe_ndarray {
    const pe_dtype *dt;
    uint32_t ndim;
    uint8_t fortran;
    const size_t *shape;
    const size_t *strides;  /* bytes per step in each dimension */
    size_t count;           /* product of shape */
    const uint8_t *data;
    size_t len;
    pv **items;
    const pv_global *cls;   /* numpy.ndarray or the subclass pickled */
} pe_ndarray;

/*
 * pe_dtype_parse - a numpy.dtype value: REDUCE(numpy.dtype, (str, ...))
 * with its BUILD state.  Returns 1 with *out set, 0 when v is not a
 * dtype we understand (caller falls back to generic data), -1 on error.
 */
int pe_dtype_parse(pe_emitter *e, const pv *v, const pe_dtype **out);

/*
 * pe_nd_parse - an ndarray pickled as _reconstruct(...) + BUILD or as
 * _frombuffer(buf, dtype, shape, order).  Returns 1 with *out filled,
 * 0 when v is not such an array or any part disagrees, -1 on error.
 */
int pe_nd_parse(pe_emitter *e, const pv *v, pe_ndarray *out);

/*
 * pe_bytes_of - the bytes a value stands for: bytes, bytearray, a
 * Python 2 str, or _codecs.encode(str, 'latin1') as protocols 0-2 write
 * bytes.  Returns 1 with *p and *n set (arena copy when converted), 0 if v
 * is none of these, -1 on error.
 */
int pe_bytes_of(pe_emitter *e, const pv *v, const uint8_t **p, size_t *n);

/*
 * pe_nd_write_item - writes the item at p (itemsize bytes of dtype dt,
 * which must not hold objects) as JSON: numbers, true/false, strings,
 * {"__bytes__"}, {"real","imag"}, objects for structured items, arrays
 * for subarrays.  dtstyle selects the datetime64 text.
 */
pr_code pe_nd_write_item(pe_emitter *e, const pe_dtype *dt,
                         const uint8_t *p, int dtstyle);

/*
 * pe_alloc_array - n items of `size` bytes, zero-filled, in the decode's
 * arena; the product is checked (PR_ELIMIT when it overflows).  Never
 * returns a zero-byte block.  NULL with e->err set on failure.
 */
void *pe_alloc_array(pe_emitter *e, size_t n, size_t size);

/* Little helpers on raw items. */
int64_t pe_load_i64(const uint8_t *p, int big);
uint64_t pe_load_u(const uint8_t *p, size_t n, int big);

/*
 * pe_fmt_datetime64 - a datetime64 value as str(numpy.datetime64(v,
 * unit)) prints it ("2024-05-06", "2024-01-01T00:00:00.000000000").
 * buf holds PE_DT_BUFSIZE bytes.  Returns the length, 0 for NaT or a
 * generic unit (which has no date).
 */
#define PE_DT_BUFSIZE 80
size_t pe_fmt_datetime64(char *buf, int64_t v, int unit, int64_t num);

/*
 * pe_fmt_isoformat - a UTC-or-wall-clock instant given in `unit` as
 * pandas' Timestamp.isoformat() prints it: seconds always, then six
 * fractional digits when there are microseconds, nine when there are
 * nanoseconds.  Units coarser than a second are converted first.
 * Returns the length, 0 for NaT or when the time is out of range.
 */
size_t pe_fmt_isoformat(char *buf, int64_t v, int unit, int64_t num);

/*
 * pe_write_timedelta - a timedelta64 value in seconds, correctly rounded
 * as Fraction(v * num * unit) gives it; NaT is null; years, months and
 * generic units are written as numpy's str() ("5 years").
 */
pr_code pe_write_timedelta(pe_emitter *e, int64_t v, int unit, int64_t num);

/* numpy's scalar type name for a dtype ("numpy.float64"); numpy2 picks
 * the numpy 2 spelling of the bool type. */
const char *pe_dtype_typename(const pe_dtype *dt, int numpy2);

#endif
