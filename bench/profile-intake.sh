#!/usr/bin/env bash
# Where the daemon's time goes under the intake load of run-intake.sh (bench/RESULTS.md §1):
# one daemon, one wrk run against /hooks/bitrix, and during it one of
#   --perf     perf record --call-graph dwarf (needs perf; symbols need RelWithDebInfo)
#              (PERF_CALLGRAPH="-e cpu-clock" for a flat profile: a Release build, or a VM without PMU)
#   --fsync    perf stat of fdatasync and sendmsg calls (commits vs answers)
# plus, always, the CPU ticks (1/100 s) each daemon thread used during the run.
#
#   bench/profile-intake.sh [--duration 8s] [--connections 100] [--perf|--fsync] [--out DIR]
#
# BUILD=... as for the other scripts. Then e.g.
#   perf report -i DIR/perf.data --children --sort sym -g none
set -euo pipefail
DURATION=8s CONNECTIONS=100 MODE='' OUT=''
while (($#)); do
    case $1 in
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --perf | --fsync) MODE=${1#--}; shift ;;
        --out) OUT=$2; shift 2 ;;
        *) echo "usage: $0 [--duration 8s] [--connections N] [--perf|--fsync] [--out DIR]" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/bench-lib.sh"
if [[ -z $OUT ]]; then OUT=$WORK/profile; export KEEP=1; fi  # keep $WORK: the output is in it
mkdir -p "$OUT" "$WORK/state"
LISTEN=$(free_port) ADMIN=$(free_port) NOWHERE=$(free_port)
write_config "$WORK/reglament.toml" "$LISTEN" "$ADMIN" "http://127.0.0.1:$NOWHERE" "$WORK/state/reglament.db"
start_daemon "$WORK/reglament.toml" "$WORK/daemon.log"
wait_http "http://127.0.0.1:$ADMIN/healthz" 20
sleep 1

thread_ticks() {  # tid utime+stime, one line per daemon thread
    for t in /proc/"$DAEMON_PID"/task/*; do echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat")"; done
}
PROFILER=
case $MODE in
    perf) perf record -F 499 ${PERF_CALLGRAPH:---call-graph dwarf,16384} -p "$DAEMON_PID" -o "$OUT/perf.data" 2>/dev/null &
          PROFILER=$! ;;
    fsync) perf stat -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_sendmsg -p "$DAEMON_PID" \
               -o "$OUT/perf-stat.txt" &
           PROFILER=$! ;;
esac
thread_ticks >"$OUT/ticks-before"
echo "load: $(uptime)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 5s -s "$REPO/bench/intake.lua" \
    "http://127.0.0.1:$LISTEN/hooks/bitrix" >"$OUT/wrk.txt"
thread_ticks >"$OUT/ticks-after"
if [[ -n $PROFILER ]]; then kill -INT "$PROFILER"; wait "$PROFILER" || true; fi
grep '^RESULT' "$OUT/wrk.txt"
join "$OUT/ticks-before" "$OUT/ticks-after" | awk '{printf "thread %s: %d ticks (1/100 s) of CPU during the run\n", $1, $3 - $2}'
[[ $MODE == fsync ]] && grep -E 'fdatasync|sendmsg' "$OUT/perf-stat.txt"
echo "output: $OUT"
exit 0
