# flags.sh - prefect-jq's command line against plain jq's (sourced by
# run.sh, which defines like, same, expect, $TMP, $JQ and ${PJQ[@]}).
#
# `mock ARGS...` runs a command line whose filter calls native functions
# with prefect-jq, and the same command line with plain jq, where the
# filter (the argument that mentions unpickle) is preceded by a jq
# definition of unpickle that returns the known values of a few pickles
# (and the same error object for anything else): output, messages and
# exit codes must be identical.  A "@F" argument is ignored.
# shellcheck shell=bash

B42='"gAVLKi4="'
B7='"gAVLBy4="'
BNONE='"gAVOLg=="'
BFALSE='"gAWJLg=="'
BHELLO='"gAWVCgAAAAAAAACMBmjDqWxsb5Qu"'
BDICT='"gAWVFQAAAAAAAAB9lCiMAWGUSwGMAWKUXZQoiE5ldS4="'
MOCK='def unpickle: . as $in | {"gAVLKi4=": 42, "gAVLBy4=": 7,
  "gAVOLg==": null, "gAWJLg==": false,
  "gAWVCgAAAAAAAACMBmjDqWxsb5Qu": "h\u00e9llo",
  "gAWVFQAAAAAAAAB9lCiMAWGUSwGMAWKUXZQoiE5ldS4=": {"a": 1, "b": [true, null]}}
  as $t | if ($in | type) != "string" then error({"error": "invalid argument",
    "message": "unpickle: input must be base64 text of a pickle, not \($in | type)",
    "id": null})
  elif ($t | has($in)) then $t[$in]
  else error({"error": "format", "message": "unpickle: input is not base64 text",
              "id": null}) end; '
MOCK=${MOCK//$'\n'/ }

mock() {
    local a f=""
    local -a rest=()
    for a in "$@"; do
        if [ -z "$f" ] && [[ $a == *unpickle* ]]; then
            f=$a
            rest+=(@F)
        elif [ "$a" != @F ]; then
            rest+=("$a")
        fi
    done
    like "$f" "$MOCK$f" "${rest[@]}"
}

OBJ='{"b":[1,"x",null,true,{"c":2.5,"d":[]}],"a":"\u00e9\u0000","e":{}}'
F1=$TMP/f1.json
F2=$TMP/f2.json
printf '%s\n' "$B42" >"$F1"
printf '%s\n%s\n' "$B7" "$BNONE" >"$F2"
printf '%s' "$MOCK" >"$TMP/mock.jq"
printf 'unpickle\n' >"$TMP/prog_native.jq"
printf '%sunpickle\n' "$MOCK" >"$TMP/prog_mock.jq"
printf '.a\n|\n  @@ foo\n' >"$TMP/bad.jq"
printf 'not json\n' >"$TMP/notjson.txt"

# ---- output options ---------------------------------------------------
for o in "" -c -r -j -a -S -C -M --tab "--indent 0" "--indent 1" \
         "--indent 7" "--indent -1" "--indent x" "-c -S" -rc -Sc "--tab -c" \
         "-c --tab" "--indent 3 -c" "-c --indent 3" "--tab --indent 2" -rj \
         "-a -c" "-C -S" --unbuffered -e; do
    # shellcheck disable=SC2086
    IN=$BDICT mock unpickle $o @F
    # shellcheck disable=SC2086
    IN=$BHELLO mock unpickle $o @F
    # shellcheck disable=SC2086
    IN=$OBJ same $o .
done
IN=$OBJ same -r '.a, .b[1]'
IN=$OBJ same -j '.b[], .a'
IN='"x\u0000y"' same -r .

# ---- input options ----------------------------------------------------
IN="$B42 $B7" mock -n '[inputs | unpickle]' -c @F
IN="$B42 $B7" mock -n 'input | unpickle' @F
IN="$B42 $B7" mock -s 'map(unpickle)' -c @F
IN="$B42 $B7" mock -n -s '(input | map(unpickle)), (try input catch .)' -c @F
IN="$B42 $B7 $BNONE" mock '[unpickle, (try (input | unpickle) catch .)]' -c @F
IN="$B42 $B7 $BNONE" mock '[unpickle, input]' -c @F
IN="$B42" mock -n '[(input | unpickle), (try input catch .)]' -c @F
mock '[unpickle, input_filename, input_line_number]' -c @F "$F1" "$F2"
mock '[unpickle, (input | unpickle), input_filename, input_line_number]' \
    -c @F "$F1" "$F2"
mock '[input_filename, (unpickle | tostring), input_line_number, $__loc__]' \
    -c @F "$F2" - "$F1"
mock -n '[inputs | [unpickle, input_filename]]' -c @F "$F1" "$F2"
mock -n '[input_filename, (input | unpickle), input_filename]' -c @F "$F2"
IN=$BDICT mock '

  unpickle | [., $__loc__]' -c @F
IN=$'a\nb\n' same -R .
IN=$'a\nb\n' same -Rs .
IN=$'a\nb' same -R -n -c '[inputs]'
IN=$'a\nb' same -Rr '. + "!"'
IN=$OBJ same -c --stream .
IN='["gAVLKi4=",["gAVLBy4="]]' mock -c --stream \
    'select(length == 2) | [.[0], (.[1] | unpickle)]' @F
IN=$'\x1e1\n\x1e[2]\n' same -c --seq .
IN=$'\x1e1\n\x1e[2\n\x1e3\n' cli16 same -c --seq .
IN="$B42" cli16 mock --seq unpickle @F
IN=$'\x1e'"$B42" mock --seq unpickle @F
IN='1 2' cli16 same --seq .
IN='{"a":1}' same
IN='{"a":1}' same -c
IN='{"a":1}' same -e

# ---- variables and arguments -------------------------------------------
mock -n --arg b gAVLKi4= '$b | unpickle' @F
mock -n --arg b gAVLKi4= '$ARGS.named.b | unpickle' @F
mock -n -c --argjson v '["gAVLKi4=","gAVLBy4="]' '$v | map(unpickle)' @F
mock -n -c --slurpfile s "$F2" '$s | map(unpickle)' @F
mock -n -c --rawfile r "$F2" '$r | split("\n") | map(select(. != "") | fromjson | unpickle)' @F
cli16 mock -n -c --argfile a "$F1" '$a | unpickle' @F
cli16 mock -n -c --argfile a "$F2" '$a | map(unpickle)' @F
mock -n -c --args '$ARGS.positional | map(unpickle)' @F gAVLKi4= gAVLBy4=
mock -n -c '$ARGS.positional | map(unpickle)' @F --args gAVLKi4= gAVLBy4=
mock -n -c --jsonargs '$ARGS.positional | map(unpickle)' @F \
    '"gAVLKi4="' '"gAVLBy4="'
mock -n -c '[$ARGS.positional[] | unpickle?]' @F --args a gAVLKi4= \
    --jsonargs '"gAVLBy4="' 5
same -n -c --arg x 1 --argjson y '{"z":2}' '$ARGS, $x, $y' --args a b
same -n --arg x 1 --arg x 2 '$x'
same -n -c --args '[$ARGS.positional[], $__loc__]' a --arg k v b
same -n -c '$ENV.PATH, env.HOME'

# ---- modules, -L and -f -----------------------------------------------
same -n -c -L jq_module 'import "prefect" as p; {"storage_key":"k"} | p::data_kind'
same -n -c -Ljq_module 'include "prefect"; [{"id":"a"}] | [ids]'
same -n -c -L /nowhere -L jq_module 'import "prefect" as p; null | p::data_kind'
same -n -c -L /a -L b 'get_search_list'
cli16 same -n -c 'get_search_list'
same -n -L jq_module 'import "prefect" as p; p::nosuch'
same -n 'import "nosuch" as p; 1'
like "$TMP/prog_native.jq" "$TMP/prog_mock.jq" -f @F "$F1" "$F2"
like "$TMP/prog_native.jq" "$TMP/prog_mock.jq" -c --from-file @F "$F2"
like "$TMP/prog_native.jq" "$TMP/prog_mock.jq" @F -f "$F1"
same -f "$TMP/bad.jq" "$F1"
same -n -f "$TMP/nonexistent.jq"
same -n -c -f "$TMP/mock.jq"
same -n 'get_prog_origin' -f "$TMP/bad.jq"

# ---- exit codes and messages ------------------------------------------
IN='"!!"' mock unpickle @F
IN="\"!!\" $B42" mock unpickle @F
IN="$B42 \"!!\"" mock unpickle @F
IN="$B42 \"!!\"" mock -e unpickle @F
IN='5' mock unpickle @F
mock -n '"!!" | unpickle' @F
IN=$BNONE mock -e unpickle @F
IN=$BFALSE mock -e unpickle @F
IN=$B42 mock -e unpickle @F
IN=$B42 mock -e 'unpickle | empty' @F
IN="$B42 $BNONE" mock -e unpickle @F
IN="$BNONE $B42" mock -e unpickle @F
IN="$BNONE $B42" cli16 mock -e 'unpickle | select(. == null)' @F
IN="$B42" mock 'unpickle | halt_error' @F
IN="$BHELLO" mock 'unpickle | halt_error(3)' @F
IN="$B42 $B7" cli16 mock 'unpickle | if . == 42 then halt_error(1) else . end' @F
IN="$B42" mock 'unpickle | halt' @F
IN="$BDICT" mock 'unpickle | error' @F
IN="$BHELLO" mock 'unpickle | error' @F
IN="$BNONE" mock 'unpickle | error' @F
IN='1 2' same 'if . == 1 then error("x") else . end'
IN='1 2' same 'if . == 2 then error("x") else . end'
IN='1 2' cli16 same -e 'if . == 2 then empty else null end'
IN='{"a":1}' same '.a.b'
IN='1 [' cli16 same .
IN='1 [' cli16 same -e .
IN='{"a" 1}' cli16 same .
IN='1 ]' cli16 same -c '[.]'
IN='1 2 [' cli16 same 'error("e")'
IN='1 [' same -n '[inputs]'
IN='' same -n input
IN='' same .
IN='1' same . "$TMP/nonexistent1" "$TMP/nonexistent2"
IN='1' same -c . "$F1" "$TMP/nonexistent" "$F2"
IN='1' same -n input "$TMP/nonexistent"
cli16 same . "$F1" "$TMP/notjson.txt"
same -n 'halt_error("x")'
same -n '{"a":"\u00e9"} | halt_error'
same -n '"bye\n" | halt_error(0)'
same -n 'null | halt_error'
same -n 'error(null)'
same -n '[1,2] | error'
IN="$B42" mock '"value: \(unpickle)" | error' @F
same -n '"x" * 100000 | error' 

# compile errors: the prelude must not show in the quoted program line
same -n '.a |@@'
same -n 'foo'
same -n '$ARGS, $a, $b, $named'
same -n '
.a |
 @@'
same -n -L jq_module 'import "prefect" as p; p::data_kind | @@'
same -n -L jq_module 'import "prefect" as p;
  include "prefect"; foo'
same -n -L jq_module '# comment
import "prefect" as p; 1 +'
same -n -L jq_module 'import "prefect" as p; import "prefect" as q; . as [$a] | $b'
same -n '{(0):1}'
same -n 'def f: ; 1'
same -n 'module {}; 1'
same -n 'module {"a": "x;y"}; import "nosuch" as n {"search": "./;x"}; 1'

# usage errors (the usage hint lines differ on purpose)
same --foo .
same -nX .
same -nn .
cli16 same -ab .
same -n --indent
same -n --indent 8 .
same -n --indent -2 .
same -n --indent=2 .
same -nL /tmp .
same -L
same -n --arg x
same -n --arg
same -n --argjson x
same -n --argjson x '{' .
same -n --argjson x '1 2' .
same -n --argjson x '' .
same -n --slurpfile x "$TMP/nonexistent" .
same -n --rawfile x "$TMP/nonexistent" .
same -n --slurpfile x "$TMP/notjson.txt" .
same -n --slurpfile x
same -n --rawfile x
# "--" before the filter: jq 1.6 prints its short usage (exit 2)
expect 2 '' '.*Usage:.*' -- .
expect 2 '' '.*Usage:.*' -n -- 1
IN='1' expect 2 '' '.*Usage:.*' -c --
IN='1' same . -- -c
IN='1' same -c . -
expect 0 '.*Usage:.*' '' -h
expect 0 '.*Usage:.*' '' --help
expect 0 'prefect-jq-[0-9.]+ \(libprefectresult [0-9.]+\)
' '' --version

# jq 1.6 aborts on these; prefect-jq does what jq 1.7 does
expect 2 '' '[^:]*: Invalid JSON text passed to --jsonargs
Use .*' -n --jsonargs '$ARGS' 1 '{'
expect 0 '"\\u00e9"
' '' -n -r -a '"é"'

# writing to a full disk
if [ -w /dev/full ] && [ "$JQ16" = 1 ]; then
    "$JQ" -n 1 >/dev/full 2>"$TMP/je"
    jrc=$?
    "${PJQ[@]}" -n 1 >/dev/full 2>"$TMP/pe"
    prc=$?
    if [ "$jrc" = "$prc" ] && cmp -s "$TMP/je" "$TMP/pe"; then
        pass "flags -n 1 >/dev/full"
    else
        fail "flags -n 1 >/dev/full" "jq: $jrc $(cat "$TMP/je")" \
             "prefect-jq: $prc $(cat "$TMP/pe")"
    fi
fi

# ---- debug messages and forged calls ----------------------------------
IN=$BDICT mock 'debug | unpickle' @F
IN=$BDICT mock -S -a -c 'unpickle | debug | .b' @F
IN=$BDICT mock -C 'unpickle | debug | .a' @F
IN=$BDICT mock --tab 'unpickle | debug | .a' @F
same -n -c -S -a '{"b":"é","a":[1]} | debug | empty'
FORGED='{"prefect_jq_call":"unpickle/0","token":"00000000000000000000000000000000","input":"gAVLKi4=","args":[]}'
IN="$FORGED 5" same -c '[debug, input]'
IN="$FORGED" same -c 'debug | .input'
IN="$FORGED" same -c '.token = env.PREFECT_JQ_TOKEN | debug | .input'
IN="$FORGED" same -c '.token = null | debug | .args'
IN="$FORGED" same -c 'del(.args) | debug | .input'
# the real token, copied by the filter itself, is a real call (the filter
# is trusted; data is not)
IN="$FORGED" expect 0 '42
' '' '.token = $ENV.PREFECT_JQ_TOKEN | debug | input'

# ---- the stubs file is what the program generates ----------------------
if "${PJQ[@]}" --native-defs | cmp -s - jq_module/prefect-native.jq; then
    pass "prefect-native.jq = prefect-jq --native-defs"
else
    fail "prefect-native.jq differs from prefect-jq --native-defs" \
         "regenerate: build/prefect-jq --native-defs > jq_module/prefect-native.jq"
fi

# ---- installed layout: $ORIGIN/../lib/jq from /proc/self/exe -------------
mkdir -p "$TMP/inst/bin" "$TMP/inst/lib/jq" "$TMP/elsewhere"
cp "$PJQ_BIN" "$TMP/inst/bin/prefect-jq"
cp jq_module/prefect.jq jq_module/prefect-native.jq "$TMP/inst/lib/jq/"
ln -sf "$TMP/inst/bin/prefect-jq" "$TMP/elsewhere/pjq"
INST=("$TMP/elsewhere/pjq")
[ "${PREFECT_JQ_VALGRIND:-0}" = 1 ] && INST=("${PJQ[@]:0:${#PJQ[@]}-1}" "$TMP/elsewhere/pjq")
out=$(cd / && HOME=$TMP "${INST[@]}" -n -c \
      'import "prefect" as p; [{} | p::data_kind, ("gAVLKi4=" | unpickle), (get_jq_origin | endswith("/inst/bin"))]' 2>&1)
if [ "$out" = '["inline",42,true]' ]; then
    pass "installed: import \"prefect\" through \$ORIGIN/../lib/jq"
else
    fail "installed: import \"prefect\" through \$ORIGIN/../lib/jq" "got: $out"
fi

# ---- prefect_result on saved state files (local storage) -----------------
# One Prefect 3 state per result file, its storage_key an absolute path.
mkdir -p "$TMP/states"
"$JQ" -c --arg d "$PJQ_DATA" '
  {id: ("00000000-0000-4000-8000-" + (input_line_number | tostring
                                      | "000000000000"[length:] + .)),
   type, name: "x", message,
   data: {storage_key: ($d + "/" + .name), expiration: null,
          serializer, prefect_version: "3.4.1", storage_block_id: null},
   state_details: ({flow_run_id: "0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"}
                   + if .task then {task_run_id: "0199a7c2-0000-7000-8000-0000000000ff"}
                     else {} end),
   file: .name}' "$HERE/data/results.jsonl" |
while IFS= read -r s; do
    n=$(printf '%s' "$s" | "$JQ" -r .file)
    printf '%s\n' "$s" | "$JQ" -c 'del(.file)' >"$TMP/states/state-$n.json"
done
want=$("$JQ" -c '.expected' "$HERE/data/results.jsonl" | sort)
got=$("${PJQ[@]}" -c 'prefect_result({raise_on_failure: false})' \
      "$TMP"/states/*.json 2>&1 | sort)
if [ -n "$want" ] && [ "$got" = "$want" ]; then
    pass "prefect_result on $(ls "$TMP/states" | wc -l) saved state files"
else
    fail "prefect_result on saved state files" "want: $want" "got:  $got"
fi
want=$("$JQ" -c '{file: ("state-" + .name + ".json"), type}' \
       "$HERE/data/results.jsonl" | sort)
got=$("${PJQ[@]}" -c -L jq_module 'import "prefect" as p;
      {file: (input_filename | split("/") | last), type: ([p::results][0].type)}' \
      "$TMP"/states/*.json 2>&1 | sort)
if [ "$got" = "$want" ]; then
    pass "prefect::results with input_filename on saved state files"
else
    fail "prefect::results on saved state files" "want: $want" "got:  $got"
fi
expect 5 '' 'jq: error \(at [^)]*state-failed_task.json:1\) \(not a string\): \{"error":"failed","message":"Task run encountered an exception ValueError: boom","id":"[-0-9]*","state_type":"FAILED","exception":\{"__class__":"builtins.ValueError","__args__":\["boom"\]\}\}
' -c prefect_result "$TMP/states/state-failed_task.json"

# ---- by id, through a Prefect API ------------------------------------------
# tests/cli/server.py serves DOCROOT/api/KIND/ID.json as the REST API does.
server_pid=""
# Stops the server started here, by its pid, if that pid is still it.
stop_server() {
    case $(ps -o args= -p "$server_pid" 2>/dev/null) in
        *tests/cli/server.py*)
            kill "$server_pid" 2>/dev/null
            wait "$server_pid" 2>/dev/null ;;
    esac
    return 0
}
if [ -f tests/cli/server.py ] && [ -x /usr/bin/python3 ]; then
    www=$TMP/www/api
    mkdir -p "$www/flow_run_states" "$www/task_run_states" "$www/flow_runs"
    for sf in "$TMP"/states/state-*.json; do
        id=$("$JQ" -r .id "$sf")
        if [ "$("$JQ" -r '.state_details.task_run_id' "$sf")" = null ]; then
            cp "$sf" "$www/flow_run_states/$id.json"
        else
            cp "$sf" "$www/task_run_states/$id.json"
        fi
    done
    # a flow run whose current state is the int42 result
    "$JQ" '{id: "1a1a1a1a-0000-4000-8000-000000000001", name: "run",
            state_id: .id, state: .}' "$TMP/states/state-int42.json" \
        >"$www/flow_runs/1a1a1a1a-0000-4000-8000-000000000001.json"
    /usr/bin/python3 tests/cli/server.py "$TMP/port" "$TMP/www" 300 \
        >"$TMP/server.log" 2>&1 </dev/null &
    server_pid=$!
    for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
fi
if [ -n "${server_pid:-}" ] && [ ! -s "$TMP/port" ]; then
    fail "the stand-in Prefect API did not start" \
         "$(head -c 600 "$TMP/server.log")"
    stop_server
elif [ -n "${server_pid:-}" ]; then
    export PREFECT_API_URL="http://127.0.0.1:$(cat "$TMP/port")/api"

    ids=$("$JQ" -s -c 'map(.id)' "$TMP"/states/state-*.json)
    want=$("$JQ" -s -c 'map(.expected)' \
           <(for sf in "$TMP"/states/state-*.json; do
                 n=$(basename "$sf" .json); n=${n#state-}
                 "$JQ" -c --arg n "$n" 'select(.name == $n)' \
                     "$HERE/data/results.jsonl"
             done))
    expect 0 "$(printf '%s' "$want" | sed 's/[][(){}.*+?^$|\\]/\\&/g')
" '' -n -c --argjson ids "$ids" \
        '$ids | map(prefect_result({raise_on_failure: false}))'
    # prefect_results: the same values as map(prefect_result), as a batch
    # (ids, then the states themselves), at any width
    for par in 1 4 16; do
        expect 0 "$(printf '%s' "$want" | sed 's/[][(){}.*+?^$|\\]/\\&/g')
" '' -n -c --argjson ids "$ids" \
            "\$ids | prefect_results({raise_on_failure: false, parallel: $par})"
    done
    expect 0 "$(printf '%s' "$want" | sed 's/[][(){}.*+?^$|\\]/\\&/g')
" '' -s -c 'prefect_results({raise_on_failure: false})' \
        "$TMP"/states/state-*.json
    # the first failure, in order, is the error (as map would give it)
    expect 0 '\["not found","99999999-0000-4000-8000-000000000000"\]
' '' -n -c --argjson ids "$ids" \
        '$ids + ["99999999-0000-4000-8000-000000000000"] + $ids | try prefect_results({raise_on_failure: false}) catch [.error, .id]'
    expect 0 '"invalid argument"
' '' -n -c '["1a1a1a1a-0000-4000-8000-000000000001", {}] | try prefect_results catch .error'
    expect 0 '"invalid argument"
' '' -n -c '["1a1a1a1a-0000-4000-8000-000000000001"] | try prefect_results({parallel: 0}) catch .error'
    expect 0 '\[\]
' '' -n -c '[] | prefect_results'
    expect 0 'true
' '' -n --slurpfile s "$TMP/states/state-record_json.json" \
        '$s[0].id | prefect_state == $s[0]'
    expect 0 '\["flow run state","task run state"\]
' '' -n -c --argjson ids "$ids" \
        '[$ids[] | prefect_state | if .state_details.task_run_id then "task run state" else "flow run state" end] | unique'
    expect 0 '42
\[42,"0b5e8f7a-3c1d-4e2f-9a6b-7c8d9e0f1a2b"\]
' '' -n -c '"1a1a1a1a-0000-4000-8000-000000000001" | prefect_result,
        [prefect_result, (prefect_state | .state_details.flow_run_id)]'
    expect 0 '\["not found","99999999-0000-4000-8000-000000000000"\]
' '' -n -c '"99999999-0000-4000-8000-000000000000" | try prefect_result catch [.error, .id]'
    expect 0 '"not found"
' '' -n -c '"99999999-0000-4000-8000-000000000000" | try prefect_state catch .error'
    # the same filter over a listing, with the module's helper
    expect 0 '\{"id":"1a1a1a1a-0000-4000-8000-000000000001","type":"COMPLETED","value":42\}
' '' -c -L jq_module 'import "prefect" as p; p::results' \
        "$www/flow_runs/1a1a1a1a-0000-4000-8000-000000000001.json"
    unset PREFECT_API_URL
    stop_server
    # nothing listens here any more: a network error, caught
    PREFECT_API_URL="http://127.0.0.1:$(cat "$TMP/port")/api" \
        expect 0 '"network"
' '' -n '"99999999-0000-4000-8000-000000000000" | try prefect_state catch .error'
else
    echo "(skipped: the API tests need tests/cli/server.py and /usr/bin/python3)"
fi
