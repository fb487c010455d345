#!/usr/bin/env bash
# Intake benchmark (issue 6, "Benchmarks"): wrk POSTing valid Bitrix24 events to the daemon's
# /hooks/bitrix and, in the same run, the same POSTs to nginx answering 200 (the ceiling).
# Then checks durability: rows in the daemon's SQLite inbox = 200 answers wrk counted (plus
# at most the requests still in flight when wrk stopped, which the daemon may have stored
# without wrk counting the answer).
#
#   bench/run-intake.sh [--duration 15s] [--threads 2] [--connections 100]
#
# Needs wrk, nginx and sqlite3 (apt-get install wrk nginx sqlite3) and a Release or
# RelWithDebInfo build in build/ (BUILD=... for another). Loopback only. The daemon's portal
# URL points at a closed port: intake works without a portal, the engine backs off.
set -euo pipefail
DURATION=15s THREADS=2 CONNECTIONS=100
while (($#)); do
    case $1 in
        --duration) DURATION=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        *) echo "usage: $0 [--duration 15s] [--threads N] [--connections N]" >&2; exit 2 ;;
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

NGINX_RESULT=$(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/hooks/bitrix")
DAEMON_RESULT=$(run_wrk reglamentd "http://127.0.0.1:$LISTEN/hooks/bitrix")
sleep 1  # the last group commit and the answers in flight when wrk stopped
rss=$(rss_kb "$DAEMON_PID")
rows=$(sqlite3 "$DB" 'SELECT count(*) FROM inbox')
stored=$((rows - before))
acked=$(($(field "$DAEMON_RESULT" requests) - $(field "$DAEMON_RESULT" non2xx)))

echo
echo "$NGINX_RESULT"
echo "$DAEMON_RESULT"
python3 - "$NGINX_RESULT" "$DAEMON_RESULT" <<'PY'
import sys
def parse(line):
    return {k: v for k, v in (p.split("=") for p in line.split()[1:])}
n, d = parse(sys.argv[1]), parse(sys.argv[2])
print(f"ratio   reglamentd/nginx requests/s: {float(d['rps']) / float(n['rps']) * 100:.1f}% (goal >= 50%)")
PY
echo "daemon  $rss"
echo "durable wrk counted $acked answers 200; inbox holds $stored new rows" \
    "($((stored - acked)) more: answers in flight when wrk stopped, at most $CONNECTIONS)"
if ((stored < acked || stored - acked > CONNECTIONS)); then
    echo "FAIL: acknowledged events and inbox rows do not match" >&2
    exit 1
fi
echo "OK: every acknowledged event is in the inbox"
