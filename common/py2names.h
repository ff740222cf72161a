/* py2names.h - internal: the Python 2 -> 3 name tables (sorted). */
#ifndef PR_PY2NAMES_H
#define PR_PY2NAMES_H

#include <stddef.h>

typedef struct pr_py2_name {
    const char *module, *name, *module3, *name3;
} pr_py2_name;

typedef struct pr_py2_module {
    const char *module, *module3;
} pr_py2_module;

extern const pr_py2_name pr_py2_names[];
extern const size_t pr_py2_names_count;
extern const pr_py2_module pr_py2_modules[];
extern const size_t pr_py2_modules_count;

#endif
