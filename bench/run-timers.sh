#!/usr/bin/env bash
# Timers benchmark (issue 6, "Benchmarks"): 1,000,000 pending timers.
#  1. The store alone: build/bench/store_timers_bench (insert 1M, reopen, take 10,000 due).
#  2. The daemon: its own state file with 1,000,000 timers on disk (inserted with sqlite3 into
#     the schema the daemon created), start-up time to a healthy /healthz and RSS, then
#     10,000 timers due at once (manual clock advanced through /admin/clock) with no other
#     load: how long until all are taken (timers -> inbox) and processed (inbox rows done; the
#     emulator answers that the leads do not exist, so the rules decide nothing).
#  3. Intake p99 while another 10,000 fire: wrk (bench/intake.lua) against /hooks/bitrix with
#     no timers due (baseline), then again with the clock moved 2 s into the run.
#
#   bench/run-timers.sh [--timers 1000000] [--fire 10000] [--duration 10s] [--connections 100]
#
# Needs sqlite3 and wrk, a Release/RelWithDebInfo build in build/. Loopback only.
set -euo pipefail
TIMERS=1000000 FIRE=10000 DURATION=10s CONNECTIONS=100
while (($#)); do
    case $1 in
        --timers) TIMERS=$2; shift 2 ;;
        --fire) FIRE=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        *) echo "usage: $0 [--timers N] [--fire N] [--duration 10s] [--connections N]" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/bench-lib.sh"
for tool in wrk sqlite3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 1; }
done
((TIMERS >= 2 * FIRE)) || { echo "--timers must be at least twice --fire" >&2; exit 2; }
now_ms() { date +%s%3N; }

echo "== 1. store alone: store_timers_bench --timers $TIMERS --fire $FIRE"
"$BUILD/bench/store_timers_bench" --file "$WORK/store-timers.db" --timers "$TIMERS" --fire "$FIRE"
rm -f "$WORK"/store-timers.db*

echo "== 2. daemon with $TIMERS timers on disk"
T0=2026-03-02T09:00:00+03:00
T0_MS=$(($(date -d "$T0" +%s) * 1000))
EMU=$(free_port) LISTEN=$(free_port) ADMIN=$(free_port)
DB=$WORK/state/reglament.db
mkdir -p "$WORK/state"
start_emulator "$EMU" "http://127.0.0.1:$LISTEN/hooks/bitrix" "$WORK/emulator.log" "$T0"
write_config "$WORK/reglament.toml" "$LISTEN" "$ADMIN" "http://127.0.0.1:$EMU" "$DB" "$T0"
start_daemon "$WORK/reglament.toml" "$WORK/daemon-0.log"  # creates the schema
wait_http "http://127.0.0.1:$ADMIN/healthz" 30
stop_pid "$DAEMON_PID"

# Batch A (FIRE timers) due at T0+60 s, batch B (FIRE) at T0+600 s, the rest over 30 days
# from T0+1 day. L4 "take_in_due" on leads the portal does not have.
start=$(now_ms)
sqlite3 "$DB" >/dev/null <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $TIMERS)
INSERT INTO timers (rule_id, entity_key, purpose, due_at, payload)
SELECT 'L4', 'lead:' || (90000000 + i), 'take_in_due',
       CASE WHEN i < $FIRE THEN $T0_MS + 60000
            WHEN i < 2 * $FIRE THEN $T0_MS + 600000
            ELSE $T0_MS + 86400000 + (i * 7919) % 2592000000 END,
       '{}'
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "inserted $(sqlite3 "$DB" 'SELECT count(*) FROM timers') timers with sqlite3 in $(($(now_ms) - start)) ms;" \
    "state file $(du -m "$DB" | cut -f1) MiB"

start=$(now_ms)
start_daemon "$WORK/reglament.toml" "$WORK/daemon-1.log"
until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$ADMIN/healthz" 2>/dev/null; do
    (($(now_ms) - start < 30000)) || { echo "daemon not healthy in 30 s" >&2; exit 1; }
    sleep 0.01
done
echo "start-up: spawn -> /healthz 200 in $(($(now_ms) - start)) ms (goal < 3000 ms);" \
    "$(rss_kb "$DAEMON_PID")"
sleep 2
echo "settled: $(rss_kb "$DAEMON_PID")"

# wait_fired LEFT START_MS: polls until the timers table holds LEFT rows, then until no
# timer event is pending in the inbox; prints both durations. Bounded to 120 s.
wait_fired() {
    local left=$1 start=$2 taken="" count pending
    while (($(now_ms) - start < 120000)); do
        if [[ -z $taken ]]; then
            count=$(sqlite3 "$DB" 'PRAGMA busy_timeout=2000; SELECT count(*) FROM timers' | tail -1)
            ((count <= left)) && taken=$(($(now_ms) - start))
        else
            pending=$(sqlite3 "$DB" "PRAGMA busy_timeout=2000; SELECT count(*) FROM inbox WHERE source = 'timer' AND status = 'pending'" | tail -1)
            if ((pending == 0)); then
                echo "fired $FIRE timers: all taken (timers -> inbox) in $taken ms, all processed in $(($(now_ms) - start)) ms"
                return 0
            fi
        fi
        sleep 0.02
    done
    echo "timers not fired within 120 s (taken: ${taken:-no})" >&2
    return 1
}

advance() {
    curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data "{\"advance\": $1}" "http://127.0.0.1:$ADMIN/admin/clock"
}

echo "-- $FIRE due at once, no other load (clock +120 s)"
start=$(now_ms)
advance 120
wait_fired $((TIMERS - FIRE)) "$start"
echo "after firing: $(rss_kb "$DAEMON_PID")"

echo "== 3. intake p99 while $FIRE timers fire"
WRK=(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 5s -s "$REPO/bench/intake.lua"
     "http://127.0.0.1:$LISTEN/hooks/bitrix")
echo "-- baseline, no timer due: ${WRK[*]}"
"${WRK[@]}" >"$WORK/wrk-baseline.txt"
grep -E '^RESULT' "$WORK/wrk-baseline.txt" | sed 's/^RESULT/baseline/'
echo "-- the same, clock +600 s two seconds in"
"${WRK[@]}" >"$WORK/wrk-firing.txt" &
WRK_PID=$!
sleep 2
start=$(now_ms)
advance 600
wait_fired $((TIMERS - 2 * FIRE)) "$start" || true
wait "$WRK_PID"
grep -E '^RESULT' "$WORK/wrk-firing.txt" | sed 's/^RESULT/firing  /'
echo "daemon at the end: $(rss_kb "$DAEMON_PID")"
echo "timer events by status: $(sqlite3 "$DB" "PRAGMA busy_timeout=2000; SELECT group_concat(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM inbox WHERE source = 'timer' GROUP BY status)" | tail -1)"
