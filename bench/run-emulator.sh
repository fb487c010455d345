#!/usr/bin/env bash
# The emulator's own capacity (issue 3, "Done when"): it holds LEADS leads in memory and serves
# simple requests on one core. The emulator runs pinned to core 0 (taskset), with its rate limit
# raised out of the way (rate_burst 1e9); LEADS synthetic leads are generated in it
# (POST /_emulator/leads/generate). wrk, pinned to core 1, then POSTs crm.lead.get of a random
# lead through the inbound webhook (bench/emulator.lua). Reports req/s, p50/p99 latency, the
# time to generate the leads and the emulator's RSS before and after.
#
#   bench/run-emulator.sh [--leads 1000000] [--duration 15s] [--connections 32]
#   BUILD=build-bench bench/run-emulator.sh      # binaries from another build directory
set -euo pipefail
LEADS=1000000
DURATION=15s
CONNECTIONS=32
while (($#)); do
    case $1 in
        --leads) LEADS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        *) echo "usage: $0 [--leads N] [--duration 15s] [--connections N]" >&2; exit 2 ;;
    esac
done
NEEDS_DAEMON=0
source "$(dirname "$0")/bench-lib.sh"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
SECRET=bench-secret
EMU_CPU=${EMU_CPU:-0}
WRK_CPU=${WRK_CPU:-1}

EMU=$(free_port)
taskset -c "$EMU_CPU" "$EMULATOR" --listen "127.0.0.1:$EMU" --webhook-secret "$SECRET" \
    --user-id 1 >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
PIDS+=("$EMULATOR_PID")
CTL=http://127.0.0.1:$EMU/_emulator
wait_http "$CTL/health" 20
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); emulator on CPU $EMU_CPU, wrk on CPU $WRK_CPU"
echo "emulator empty: $(rss_kb "$EMULATOR_PID")"

START=$(date +%s.%N)
curl -fsS -X POST -H 'Content-Type: application/json' --data "{\"count\": $LEADS}" \
    "$CTL/leads/generate" >/dev/null
END=$(date +%s.%N)
curl -fsS -X POST -H 'Content-Type: application/json' --data '{"rate_burst": 1000000000}' \
    "$CTL/config" >/dev/null
echo "generated $(curl -fsS "$CTL/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["leads"])') leads in $(python3 -c "print('%.2f' % ($END - $START))") s: $(rss_kb "$EMULATOR_PID")"

# One request by hand first: must be the lead asked for.
curl -fsS -H 'Content-Type: application/json' --data "{\"id\": $LEADS}" \
    "http://127.0.0.1:$EMU/rest/1/$SECRET/crm.lead.get" |
    python3 -c "import json,sys; r=json.load(sys.stdin)['result']; assert r['ID'] == '$LEADS', r; print('crm.lead.get', r['ID'], r['TITLE'])"

# The emulator's CPU time so far (user + system), in seconds.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$EMULATOR_PID/stat"; }

echo "== wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s bench/emulator.lua (LEADS=$LEADS)"
CPU0=$(cpu_s)
T0=$(date +%s.%N)
LEADS=$LEADS SECRET=$SECRET taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
    --latency --timeout 5s -s "$REPO/bench/emulator.lua" "http://127.0.0.1:$EMU" | tee "$WORK/wrk.txt"
T1=$(date +%s.%N)
CPU1=$(cpu_s)
echo "emulator after: $(rss_kb "$EMULATOR_PID")"
# On a shared machine the emulator gets only part of core 0: requests per CPU-second of the
# emulator is what one whole core would serve.
REQUESTS=$(awk '/requests in/ {print $1; exit}' "$WORK/wrk.txt")
python3 -c "
cpu = $CPU1 - $CPU0; wall = $T1 - $T0
print('emulator CPU during wrk: %.2f s in %.2f s (%.0f %% of one core); %d requests, %.0f per emulator CPU-second' % (cpu, wall, 100 * cpu / wall, $REQUESTS, $REQUESTS / cpu))"
