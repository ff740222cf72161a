# prefect-result - top-level build.
#
#   make            library + every front end that exists
#   make check      install missing packages, run every suite (see README)
#   make demo       decode the bundled examples
#   make bench      speed and memory against CPython (not a test)
#   make fuzz       build the libFuzzer targets (clang-14)
#   make fixtures   regenerate tests/fixtures (Debian 12 and 13 stacks)
#   make install PREFIX=/usr/local DESTDIR=

CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
PYTHON   ?= /usr/bin/python3

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wformat=2
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(CFLAGS) $(SAN) \
              -Icommon
LDFLAGS  ?=
ALL_LDFLAGS := $(LDFLAGS) $(SAN)

CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson)
CJSON_LIBS  := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
DECOMP_LIBS := -lz -llzma -lbz2
LIBS_CORE   := -lsqlite3 -lcrypto -lm

COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libprefectresult.a

CURL_SRC   := $(sort $(wildcard curl_helper/*.c))
CURL_OBJ   := $(CURL_SRC:%.c=$(BUILD)/%.o)
$(CURL_OBJ): $(wildcard curl_helper/*.h)
CURL_BIN   := $(if $(CURL_SRC),$(BUILD)/prefect-curl)

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all lib check unit demo bench fuzz fixtures install clean asan \
        valgrind distclean

all: lib $(CURL_BIN) $(TOOL_BIN)

lib: $(LIB)

$(BUILD)/%.o: %.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) -c $< -o $@

$(LIB): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/prefect-curl: $(CURL_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CURL_OBJ) $(LIB) $(CURL_LIBS) \
	    $(CJSON_LIBS) $(DECOMP_LIBS) $(LIBS_CORE)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(wildcard tests/unit/data/*.inc) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CJSON_CFLAGS) -Itests/unit $< -o $@ $(LIB) \
	    $(ALL_LDFLAGS) $(CURL_LIBS) $(CJSON_LIBS) $(DECOMP_LIBS) $(LIBS_CORE)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CJSON_CFLAGS) $< -o $@ $(LIB) \
	    $(ALL_LDFLAGS) $(CURL_LIBS) $(CJSON_LIBS) $(DECOMP_LIBS) $(LIBS_CORE)

unit: $(UNIT_BIN)

# The full test run, exactly as README and .ci/run say.
check:
	bash tests/run-all.sh

demo: all
	bash tests/demo.sh

bench: all
	bash bench/run.sh

fuzz:
	$(MAKE) -f fuzz/Makefile

# ---- fixtures (tests/fixtures, tests/modern) --------------------- begin
# make fixtures          both stacks, from scratch
# make fixtures-classic  Debian 12's stack: $(PYTHON) (Python 3.11, numpy 1,
#                        pandas 1.5), tests/fixtures/{data,expected.jsonl}
#                        and tests/bad
# make fixtures-modern   Debian 13's stack (Python 3.13, numpy 2, pandas 2)
#                        in a chroot built on first use (root, minutes):
#                        tests/fixtures/modern
# make check never needs the chroot: it reads the committed files.
MODERN_CHROOT ?= $(BUILD)/modern-chroot
.PHONY: fixtures-classic fixtures-modern

fixtures: fixtures-classic fixtures-modern

fixtures-classic:
	$(PYTHON) tests/fixtures/gen_fixtures.py

fixtures-modern:
	bash tests/modern/gen_modern.sh $(MODERN_CHROOT)
# ---- fixtures ---------------------------------------------------- end

asan:
	$(MAKE) BUILD=build-asan CC=clang-14 OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    all unit

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 common/pr.h $(DESTDIR)$(PREFIX)/include/prefect_result.h
	$(if $(CURL_BIN),install -m 755 $(CURL_BIN) $(DESTDIR)$(PREFIX)/bin/)
	$(if $(wildcard curl_helper/prefect-curl.1),install -m 644 curl_helper/prefect-curl.1 $(DESTDIR)$(PREFIX)/share/man/man1/)

# ---- prefect-jq (jq_module/, issue 6) --------------------------- begin
JQ_SRC      := $(sort $(wildcard jq_module/*.c))
JQ_OBJ      := $(JQ_SRC:%.c=$(BUILD)/%.o)
JQ_BIN      := $(if $(JQ_SRC),$(BUILD)/prefect-jq)
JQ_LIBS     := -ljq $(CURL_LIBS) $(CJSON_LIBS) $(DECOMP_LIBS) \
    $(if $(shell grep -l '<openssl/' common/*.c 2>/dev/null),-lssl -lcrypto) \
    $(if $(shell grep -l '<sqlite3.h>' common/*.c 2>/dev/null),-lsqlite3) \
    $(LIBS_CORE)

.PHONY: install-jq check-jq
all: $(JQ_BIN)
install: $(if $(JQ_BIN),install-jq)

$(JQ_OBJ): $(wildcard jq_module/*.h)

$(BUILD)/prefect-jq: $(JQ_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(JQ_OBJ) $(LIB) $(JQ_LIBS)

install-jq: $(JQ_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/jq \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(JQ_BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 jq_module/prefect.jq jq_module/prefect-native.jq \
	    $(DESTDIR)$(PREFIX)/lib/jq/
	install -m 644 jq_module/prefect-jq.1 $(DESTDIR)$(PREFIX)/share/man/man1/

check-jq: $(JQ_BIN)
	bash tests/jq/run.sh
# ---- prefect-jq ------------------------------------------------- end

clean:
	rm -rf build build-asan build-fuzz build-gcov

distclean: clean
	rm -rf tests/emulators/node_modules

# ---- PostgreSQL extension (pg_extension/, PGXS) ---- begin ----------
# make pg           build pg_extension/prefect_result.so, core linked in
# make pg-install   install it where pg_config says (root)
# make pg-check     tests/pg/run.sh: build, install, throwaway cluster,
#                   regression tests, pgbench (root; "N passed, N failed")
PG_CONFIG ?= pg_config
.PHONY: pg pg-install pg-check pg-clean
pg: lib
	$(MAKE) -C pg_extension PG_CONFIG=$(PG_CONFIG) PR_BUILD=$(BUILD)
pg-install: pg
	$(MAKE) -C pg_extension PG_CONFIG=$(PG_CONFIG) PR_BUILD=$(BUILD) install
pg-check:
	PR_BUILD=$(BUILD) bash tests/pg/run.sh
pg-clean:
	$(MAKE) -C pg_extension PG_CONFIG=$(PG_CONFIG) clean
# ---- PostgreSQL extension ---- end ----------------------------------

# ---- modern stack (Debian 13 chroot, issue 8) ---- begin ------------
# make check-modern  prefect-jq on libjq 1.7 and the PostgreSQL extension
#                    on PostgreSQL 17: builds and runs tests/jq and
#                    tests/pg inside the chroot that fixtures-modern uses
#                    (root; the chroot and its packages are made on first
#                    use; "N passed, N failed" last)
.PHONY: check-modern
check-modern:
	bash tests/modern/check_modern.sh $(MODERN_CHROOT)
# ---- modern stack ---- end ------------------------------------------
