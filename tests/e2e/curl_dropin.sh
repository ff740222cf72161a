#!/usr/bin/env bash
# shellcheck disable=SC2154  # NAME_URL and the like: set by start_api
# curl_dropin.sh - prefect-curl as a drop-in for curl on the Prefect API:
#     prefect-curl -s "$PREFECT_API_URL/flow_run_states/$ID"
#     prefect-curl -s "$PREFECT_API_URL/flow_runs/$ID"
#     prefect-curl -s "$ID"                  (the configured API)
# prints the state (or run) JSON with "data" replaced in place by the
# decoded value and the original kept beside it as "_data_reference";
# FAILED states exit 113 unless --allow-failed.  --result-json prints
# only the values, one line each.  Every generated case.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_curl "prefect-curl: all cases" || finish
start_api api
export PREFECT_API_URL=$api_URL
read -r -a REMAP_ARGS <<<"${E2E_CURL_REMAP_ARGS:---remap-storage $E2E_REMAP}"

# dropin LABEL MODE IDFIELD FORM EVERY [EXTRA ARGS...]: one prefect-curl
# per case (every EVERY-th case); FORM is url or id.
dropin() {
    local label=$1 mode=$2 idfield=$3 form=$4 every=$5 dir name sid skind
    local rid rkind _status needs target failed_rc=113 n=0
    shift 5
    dir=$WORK/$label
    mkdir -p "$dir"
    local names=()
    while IFS=$'\t' read -r name sid skind rid rkind _status needs; do
        n=$((n + 1))
        [ $(( (n - 1) % every )) = 0 ] || continue
        if [ "$idfield" = state_id ]; then
            target=$PREFECT_API_URL/$skind/$sid
            [ "$form" = id ] && target=$sid
        else
            target=$PREFECT_API_URL/$rkind/$rid
            [ "$form" = id ] && target=$rid
        fi
        local flags=(-sS)
        [ "$mode" = typed ] && flags+=(--typed)
        case ",$needs," in
            *,remap,*) flags+=("${REMAP_ARGS[@]}") ;;
        esac
        timeout -k 5 30 "$CURL_BIN" "${flags[@]}" "$@" "$target" \
            >"$dir/$name.out" 2>"$dir/$name.err" </dev/null
        echo $? >"$dir/$name.rc"
        names+=("$name")
    done <"$E2E_CASES/cases.tsv"
    case " $* " in *" --allow-failed "*) failed_rc=0 ;; esac
    "$PY" "$E2E_HERE/check.py" curl "$E2E_CASES" "$dir" "$mode" \
        "$idfield" --failed-rc "$failed_rc" "${names[@]}" \
        | sed "s/^\(PASS\|FAIL\) /\1 $label: /" >"$WORK/$label.check" 2>&1
    count_checks "$WORK/$label.check"
    # The S3 secret of the nested block must never be printed.
    if grep -rqF -- "$E2E_S3_SECRET" "$dir"; then
        fail "$label" "the S3 secret appears in an output"
    fi
}

dropin state-url plain state_id url 1
dropin state-url-typed typed state_id url 1 --allow-failed
dropin run-url plain run_id url 3
dropin state-id plain state_id id 5
dropin run-id plain run_id id 7

# --result-json: every readable case in one call, exact lines.
mapfile -t OKN < <(awk -F'\t' '$6 == "ok" { print $1 }' "$E2E_CASES/cases.tsv")
mapfile -t OKS < <(awk -F'\t' '$6 == "ok" { print $2 }' "$E2E_CASES/cases.tsv")
for mode in plain typed; do
    flags=(-s --result-json --allow-failed "${REMAP_ARGS[@]}")
    [ "$mode" = typed ] && flags+=(--typed)
    run "result-json-$mode" "$CURL_BIN" "${flags[@]}" "${OKS[@]}"
    [ "$RC" = 0 ] || fail "result-json-$mode" "exit $RC:" \
        "$(head -c 300 "$ERR")"
    "$PY" "$E2E_HERE/check.py" lines "$E2E_CASES" "$OUT" "$mode" \
        "${OKN[@]}" >"$WORK/result-json-$mode.check" 2>&1
    count_checks "$WORK/result-json-$mode.check"
done

finish
