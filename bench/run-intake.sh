#!/usr/bin/env bash
# Intake benchmark (issue 6, "Benchmarks"): wrk POSTing valid Bitrix24 events to the daemon's
# /hooks/bitrix and, in the same run, the same POSTs to nginx answering 200 (the ceiling).
# Then checks durability: rows in the daemon's SQLite inbox = 200 answers wrk counted (plus
# at most the requests still in flight when wrk stopped, which the daemon may have stored
# without wrk counting the answer).
#
#   bench/run-intake.sh [--duration 15s] [--threads 2] [--connections 100] [--rounds 1]
#
# --rounds N runs nginx and the daemon N times each, alternating, and reports every round's
# ratio and their median: on a shared VM the host's speed drifts within seconds, and one pair
# of runs can land on either side of it.
#
# Needs wrk, nginx and sqlite3 (apt-get install wrk nginx sqlite3) and a Release or
# RelWithDebInfo build in build/ (BUILD=... for another). Loopback only. The daemon's portal
# URL points at a closed port: intake works without a portal, the engine backs off.
set -euo pipefail
DURATION=15s THREADS=2 CONNECTIONS=100 ROUNDS=1
while (($#)); do
    case $1 in
        --duration) DURATION=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) echo "usage: $0 [--duration 15s] [--threads N] [--connections N] [--rounds N]" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/bench-lib.sh"
for tool in wrk nginx sqlite3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 1; }
done
LUA=$REPO/bench/intake.lua

NGINX_PORT=$(free_port)
start_nginx "$NGINX_PORT"

LISTEN=$(free_port) ADMIN=$(free_port) NOWHERE=$(free_port)
DB=$WORK/state/reglament.db
mkdir -p "$WORK/state"
write_config "$WORK/reglament.toml" "$LISTEN" "$ADMIN" "http://127.0.0.1:$NOWHERE" "$DB"
start_daemon "$WORK/reglament.toml" "$WORK/daemon.log"
wait_http "http://127.0.0.1:$ADMIN/healthz" 20

# One event by hand first: 200 and one row, or the setup is wrong.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --data 'event=ONCRMLEADUPDATE&data%5BFIELDS%5D%5BID%5D=1&ts=1764057600&auth%5Bapplication_token%5D=demo-application-token' \
    "http://127.0.0.1:$LISTEN/hooks/bitrix")
[[ $code == 200 ]] || { echo "daemon answered $code to a valid event" >&2; cat "$WORK/daemon.log" >&2; exit 1; }
before=$(sqlite3 "$DB" 'SELECT count(*) FROM inbox')

run_wrk() {  # NAME URL
    echo "== $1: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/intake.lua $2" >&2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 5s -s "$LUA" "$2" \
        | tee "$WORK/wrk-$1.txt" >&2
    grep '^RESULT' "$WORK/wrk-$1.txt" | sed "s/^RESULT/$1/"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

NGINX_RESULTS=() DAEMON_RESULTS=() acked=0
for ((round = 1; round <= ROUNDS; round++)); do
    NGINX_RESULTS+=("$(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/hooks/bitrix")")
    DAEMON_RESULTS+=("$(run_wrk reglamentd "http://127.0.0.1:$LISTEN/hooks/bitrix")")
    last=${DAEMON_RESULTS[-1]}
    acked=$((acked + $(field "$last" requests) - $(field "$last" non2xx)))
done
sleep 1  # the last group commit and the answers in flight when wrk stopped
rss=$(rss_kb "$DAEMON_PID")
rows=$(sqlite3 "$DB" 'SELECT count(*) FROM inbox')
stored=$((rows - before))

echo
for ((i = 0; i < ROUNDS; i++)); do
    echo "${NGINX_RESULTS[i]}"
    echo "${DAEMON_RESULTS[i]}"
done
python3 - "${NGINX_RESULTS[@]}" "${DAEMON_RESULTS[@]}" <<'PY'
import statistics, sys
def parse(line):
    return {k: v for k, v in (p.split("=") for p in line.split()[1:])}
lines = sys.argv[1:]
n = [parse(l) for l in lines[: len(lines) // 2]]
d = [parse(l) for l in lines[len(lines) // 2 :]]
ratios = [float(b["rps"]) / float(a["rps"]) * 100 for a, b in zip(n, d)]
if len(ratios) > 1:
    print("rounds  reglamentd/nginx: " + ", ".join(f"{r:.1f}%" for r in ratios))
    print(f"median  nginx {statistics.median(float(a['rps']) for a in n):.0f} req/s, "
          f"reglamentd {statistics.median(float(b['rps']) for b in d):.0f} req/s")
print(f"ratio   reglamentd/nginx requests/s: {statistics.median(ratios):.1f}%"
      + (" (median of the rounds)" if len(ratios) > 1 else "") + " (goal >= 50%)")
PY
echo "daemon  $rss"
echo "durable wrk counted $acked answers 200; inbox holds $stored new rows" \
    "($((stored - acked)) more: answers in flight when wrk stopped, at most $CONNECTIONS per round)"
if ((stored < acked || stored - acked > CONNECTIONS * ROUNDS)); then
    echo "FAIL: acknowledged events and inbox rows do not match" >&2
    exit 1
fi
echo "OK: every acknowledged event is in the inbox"
