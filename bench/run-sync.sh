#!/usr/bin/env bash
# The Bitrix24 client's benchmarks (issue 4, "Benchmark") against one emulator enforcing the
# cloud limit (leaky bucket burst 50, drain 2/s), over HTTPS with a throw-away CA:
#
#   1. sync:  bench/bitrix_sync_bench --mode sync streams every lead of a portal of LEADS
#             (Client::list_all: batch chains of 50 pages, `>ID`, start=-1); then the same with
#             both limits lifted, for the floor that latency and CPU set by themselves;
#   2. what one counted page (start=0, the offset-with-count way) costs in operating time there;
#   3. mixed: CALLS single crm.lead.get / crm.lead.update calls issued at once by 8 threads;
#   4. peer:  a portal of PEER_LEADS, streamed by our client and then by the official JS SDK
#             (@bitrix24/b24jssdk, actions.v2.fetchList; bench/peer, installed here by npm).
#
# Before each measured client the emulator's clock jumps 11 minutes, so its bucket is empty and
# its ten-minute operating window starts from zero for that client alone. Requests and 503s are
# counted on the emulator's side (`/_emulator/rest-calls`), operating time read from
# `time.operating` of one cheap probe call afterwards (less the probe's own 2 ms).
#
#   bench/run-sync.sh [--leads 200000] [--peer-leads 20000] [--calls 10000] [--no-peer]
#   BUILD=build-bench bench/run-sync.sh      # binaries from another build directory
set -euo pipefail
LEADS=200000
PEER_LEADS=20000
CALLS=10000
PEER=1
while (($#)); do
    case $1 in
        --leads) LEADS=$2; shift 2 ;;
        --peer-leads) PEER_LEADS=$2; shift 2 ;;
        --calls) CALLS=$2; shift 2 ;;
        --no-peer) PEER=0; shift ;;
        *) echo "usage: $0 [--leads N] [--peer-leads N] [--calls N] [--no-peer]" >&2; exit 2 ;;
    esac
done
NEEDS_DAEMON=0
source "$(dirname "$0")/bench-lib.sh"
SYNC_BENCH=$BUILD/bench/bitrix_sync_bench
[[ -x $SYNC_BENCH ]] || { echo "missing $SYNC_BENCH: cmake --build $BUILD --target bitrix_sync_bench" >&2; exit 1; }
cp "$SYNC_BENCH" "$WORK/bin/"
SYNC_BENCH=$WORK/bin/bitrix_sync_bench
BURST=50
DRAIN=2
SECRET=bench-secret
# The emulator on core 0, the clients on core 1 (the machine has two).
EMU_CPU=${EMU_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

if ((PEER)); then
    command -v node >/dev/null || { echo "node is needed for the peer (or --no-peer)" >&2; exit 1; }
    echo "peer: npm install in bench/peer (node $(node --version))" >&2
    (cd "$REPO/bench/peer" && npm install --no-audit --no-fund --loglevel=error >&2)
fi

"$REPO/emulator/make-test-cert" "$WORK/tls" >/dev/null 2>&1
EMU=$(free_port) TLS=$(free_port)
taskset -c "$EMU_CPU" "$EMULATOR" --listen "127.0.0.1:$EMU" --tls-port "$TLS" \
    --cert "$WORK/tls/server.pem" --key "$WORK/tls/server.key" \
    --webhook-secret "$SECRET" --user-id 1 --rate-burst "$BURST" --rate-drain "$DRAIN" \
    >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
PIDS+=("$EMULATOR_PID")
CTL=http://127.0.0.1:$EMU/_emulator
wait_http "$CTL/health" 20
HOOK=https://127.0.0.1:$TLS/rest/1/$SECRET/

ctl() { curl -fsS -X POST -H 'Content-Type: application/json' --data "$2" "$CTL/$1"; }

# A portal of N generated leads and nothing else.
fresh_portal() {
    ctl scenario '{}' >/dev/null
    ctl leads/generate "{\"count\": $1}" >/dev/null
}

# Eleven minutes later on the emulator's clock: the bucket has drained, every operating basket
# has dropped out of the ten-minute window.
quiet() { ctl clock '{"advance_s": 660}' >/dev/null; }

# REST requests the emulator has logged so far (it keeps the latest 10,000).
log_size() {
    curl -fsS "$CTL/rest-calls?limit=100000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["recent"]))'
}

# The requests logged since the log had SIZE entries: "requests N", "status_503 M".
requests_since() {
    curl -fsS "$CTL/rest-calls?limit=100000" | python3 -c '
import json, sys
recent = json.load(sys.stdin)["recent"]
since = int(sys.argv[1])
if len(recent) >= 10000:
    print("warning: the emulator log is full, counts are a lower bound", file=sys.stderr)
new = recent[: len(recent) - since]
print("emulator_requests", len(new))
print("emulator_503", sum(1 for r in new if r["status"] == 503))
' "$1"
}

# crm.lead.list operating seconds used (the lists' share; the mixed load's get and update are
# charged under their own names and not read here) in the current window, less this probe's own 2 ms (an
# empty start=-1 page: the base cost, no rows).
operating_used() {
    curl -fsS -H 'Content-Type: application/json' \
        --data '{"filter": {">ID": 1000000000000}, "start": -1}' \
        "http://127.0.0.1:$EMU/rest/1/$SECRET/crm.lead.list" |
        python3 -c 'import json,sys; print("list_operating_s %.3f" % (json.load(sys.stdin)["time"]["operating"] - 0.002))'
}

# The emulator's CPU time so far (user + system), in seconds.
emulator_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$EMULATOR_PID/stat"; }

# measure NAME COMMAND...: quiet, run the client pinned to CLIENT_CPU, then the emulator's
# side. Everything goes to $WORK/NAME.txt and stdout.
measure() {
    local name=$1 out=$WORK/$1.txt rc=0 before cpu0
    shift
    quiet
    before=$(log_size)
    echo "== $name: $*" | sed "s|$WORK|\$WORK|g"
    cpu0=$(emulator_cpu)
    taskset -c "$CLIENT_CPU" "$@" >"$out" 2>"$WORK/$name.err" || rc=$?
    echo "emulator_cpu_s $(python3 -c "print('%.2f' % ($(emulator_cpu) - $cpu0))")" >>"$out"
    requests_since "$before" >>"$out"
    operating_used >>"$out"
    echo "emulator_rss_kb $(awk '/^VmRSS/ {print $2}' "/proc/$EMULATOR_PID/status")" >>"$out"
    cat "$out"
    if ((rc != 0)); then
        echo "$name failed ($rc):" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    fi
}

value() { awk -v k="$2" '$1 == k {print $2; exit}' "$WORK/$1.txt"; }

# The limit-bound ideal for R requests: the first BURST go at once, the rest at DRAIN per second.
ideal() { python3 -c "import sys; r=int(sys.argv[1]); print('%.1f' % max(0.0, (r - $BURST) / $DRAIN))" "$1"; }
# ratio WALL IDEAL: "1.11", or "n/a" when everything fits in the burst.
ratio() { python3 -c "import sys; w, i = map(float, sys.argv[1:]); print('%.2f' % (w / i) if i > 0 else 'n/a')" "$1" "$2"; }

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); emulator on CPU $EMU_CPU, clients on CPU $CLIENT_CPU"

# 1. Sync of LEADS.
fresh_portal "$LEADS"
measure sync "$SYNC_BENCH" --mode sync --webhook "$HOOK" --ca-file "$WORK/tls/ca.pem" \
    --expect "$LEADS" --burst "$BURST" --drain "$DRAIN"

# 1b. The same sync with both limits lifted: how long the chain of 81 requests takes by itself
# (each waits for the one before), i.e. the floor set by latency and CPU rather than the limit.
ctl config '{"rate_burst": 1000000000}' >/dev/null
measure sync-unlimited "$SYNC_BENCH" --mode sync --webhook "$HOOK" --ca-file "$WORK/tls/ca.pem" \
    --expect "$LEADS" --burst 1000000000 --drain 1000000000
ctl config "{\"rate_burst\": $BURST, \"rate_drain\": $DRAIN}" >/dev/null

# 2. One page the offset-with-count way on the same portal.
quiet
COUNTED=$(curl -fsS -H 'Content-Type: application/json' --data '{"start": 0}' \
    "http://127.0.0.1:$EMU/rest/1/$SECRET/crm.lead.list" |
    python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["time"]["operating"])')
echo "== one counted page (start=0) of $LEADS leads: operating ${COUNTED} s"

# 3. Mixed load on the same portal.
measure mixed "$SYNC_BENCH" --mode mixed --webhook "$HOOK" --ca-file "$WORK/tls/ca.pem" \
    --leads "$LEADS" --calls "$CALLS" --threads 8 --burst "$BURST" --drain "$DRAIN"

# 4. Our client and the JS SDK on PEER_LEADS.
if ((PEER)); then
    fresh_portal "$PEER_LEADS"
    measure peer-ours "$SYNC_BENCH" --mode sync --webhook "$HOOK" --ca-file "$WORK/tls/ca.pem" \
        --expect "$PEER_LEADS" --burst "$BURST" --drain "$DRAIN"
    measure peer-sdk env NODE_EXTRA_CA_CERTS="$WORK/tls/ca.pem" \
        node "$REPO/bench/peer/sync.mjs" "${HOOK%/}" "$PEER_LEADS"
fi

# Summary.
SYNC_MIN=$(((LEADS + 2499) / 2500))
MIXED_MIN=$(((CALLS + 49) / 50))
PAGES=$(((LEADS + 49) / 50))
echo
echo "== summary (burst $BURST, drain $DRAIN/s)"
printf 'sync %d leads: %s s (ideal %s s for %d requests: ratio %s), %s requests, %s 503s, peak RSS %s MB, operating %s s\n' \
    "$LEADS" "$(value sync wall_s)" "$(ideal "$SYNC_MIN")" "$SYNC_MIN" \
    "$(ratio "$(value sync wall_s)" "$(ideal "$SYNC_MIN")")" \
    "$(value sync emulator_requests)" "$(value sync emulator_503)" \
    "$(python3 -c "print('%.1f' % ($(value sync peak_rss_kb) / 1024))")" "$(value sync list_operating_s)"
printf 'the same sync without limits: %s s (client CPU %s s, emulator CPU %s s)\n' \
    "$(value sync-unlimited wall_s)" "$(value sync-unlimited cpu_s)" "$(value sync-unlimited emulator_cpu_s)"
printf 'offset-with-count pager, modelled: %d pages x %s s = %s s operating\n' "$PAGES" "$COUNTED" \
    "$(python3 -c "print('%.0f' % ($PAGES * $COUNTED))")"
printf 'mixed %d calls: %s s (ideal %s s for %d requests: ratio %s), %s requests, %s commands/request, %s 503s, %s failed\n' \
    "$CALLS" "$(value mixed wall_s)" "$(ideal "$MIXED_MIN")" "$MIXED_MIN" \
    "$(ratio "$(value mixed wall_s)" "$(ideal "$MIXED_MIN")")" \
    "$(value mixed emulator_requests)" "$(value mixed commands_per_request)" \
    "$(value mixed emulator_503)" "$(value mixed failed)"
if ((PEER)); then
    for c in peer-ours peer-sdk; do
        printf '%s %d leads: %s s, %s requests, %s 503s, peak RSS %s MB, operating %s s\n' "$c" \
            "$PEER_LEADS" "$(value $c wall_s)" "$(value $c emulator_requests)" \
            "$(value $c emulator_503)" \
            "$(python3 -c "print('%.1f' % ($(value $c peak_rss_kb) / 1024))")" "$(value $c list_operating_s)"
    done
    printf 'ratio SDK / ours: %s x the time, %s x the requests\n' \
        "$(python3 -c "print('%.1f' % ($(value peer-sdk wall_s) / $(value peer-ours wall_s)))")" \
        "$(python3 -c "print('%.1f' % ($(value peer-sdk emulator_requests) / $(value peer-ours emulator_requests)))")"
fi
