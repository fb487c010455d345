# Shared by bench/run-*.sh (sourced, not run): a temp dir, free loopback ports, the daemon's
# config derived from config/reglament.example.toml (as tests/e2e/portal_fixture.hpp derives
# it), starting and stopping the daemon, the emulator and nginx, and cleaning up on exit.
# Everything listens on 127.0.0.1 only; every wait is bounded.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
REGLAMENTD=$BUILD/daemon/reglamentd
EMULATOR=$BUILD/emulator/reglamentd-emulator
WORK=$(mktemp -d /tmp/reglament-bench.XXXXXX)
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

# A script that needs no daemon sets NEEDS_DAEMON=0 before sourcing this file.
if [[ ${NEEDS_DAEMON:-1} == 0 ]]; then TOOLS=("$EMULATOR"); else TOOLS=("$REGLAMENTD" "$EMULATOR"); fi
for tool in "${TOOLS[@]}"; do
    [[ -x $tool ]] || { echo "missing $tool: cmake --build $BUILD" >&2; exit 1; }
done
# Run copies, so a rebuild of build/ during the run cannot swap binaries under it.
mkdir -p "$WORK/bin"
cp "${TOOLS[@]}" "$WORK/bin/"
if [[ ${NEEDS_DAEMON:-1} == 0 ]]; then
    echo "tree $(git -C "$REPO" describe --always --dirty 2>/dev/null); binaries: $EMULATOR ($(date -r "$EMULATOR" '+%F %T'))" >&2
else
    echo "tree $(git -C "$REPO" describe --always --dirty 2>/dev/null); binaries: $REGLAMENTD ($(date -r "$REGLAMENTD" '+%F %T'), $("$REGLAMENTD" --version 2>&1 | head -1))," \
        "$EMULATOR ($(date -r "$EMULATOR" '+%F %T'))" >&2
    REGLAMENTD=$WORK/bin/$(basename "$REGLAMENTD")
fi
EMULATOR=$WORK/bin/$(basename "$EMULATOR")

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: until URL answers 2xx.
wait_http() {
    local until=$((SECONDS + $2))
    while ((SECONDS < until)); do
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timeout waiting for $1" >&2
    return 1
}

# rss_kb PID: resident set size now (VmRSS) and at its peak (VmHWM).
rss_kb() {
    awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$1/status"
}

# write_config FILE LISTEN_PORT ADMIN_PORT PORTAL_URL STATE_DB [CLOCK_START]
# Example config with loopback ports, the state file, the portal (emulator) URL, the rate
# budget free, and a manual clock at CLOCK_START when given (system clock otherwise).
write_config() {
    local file=$1 listen=$2 admin=$3 portal=$4 db=$5 start=${6:-}
    sed -e "s|listen_port = [0-9]*|listen_port = $listen|" \
        -e "s|admin_port = [0-9]*|admin_port = $admin|" \
        -e "s|listen_address = \"0.0.0.0\"|listen_address = \"127.0.0.1\"|" \
        -e "s|public_url = \"[^\"]*\"|public_url = \"http://127.0.0.1:$listen\"|" \
        -e "s|path = \"/var/lib/reglamentd/reglament.db\"|path = \"$db\"|" \
        -e "s|webhook_url = \"http://127.0.0.1:18080/|webhook_url = \"$portal/|" \
        -e "s|api_url = \"http://127.0.0.1:18080/|api_url = \"$portal/|" \
        -e "s|# burst = 50|burst = 100000|" \
        -e "s|# drain_per_second = 2.0|drain_per_second = 100000.0|" \
        "$REPO/config/reglament.example.toml" >"$file"
    if [[ -n $start ]]; then
        sed -i -e "s|^mode = \"system\"|mode = \"manual\"\nstart = $start|" "$file"
    fi
    chmod 600 "$file"
}

# start_daemon CONFIG LOG: runs `reglamentd run`, sets DAEMON_PID.
start_daemon() {
    "$REGLAMENTD" run --config "$1" --log-level "${DAEMON_LOG_LEVEL:-warn}" >"$2" 2>&1 &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
}

stop_pid() {
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

# start_emulator PORT EVENT_HANDLER_URL LOG [START]: the call centre scenario, the bucket
# off (rate_burst 1,000,000); with START its clock is frozen there. Sets EMULATOR_PID.
start_emulator() {
    "$EMULATOR" --listen "127.0.0.1:$1" --webhook-secret demo-secret --user-id 1 \
        --scenario "$REPO/emulator/scenarios/call-centre.json" --wazzup-key demo-wazzup-key \
        --event-handler "$2" --application-token demo-application-token >"$3" 2>&1 &
    EMULATOR_PID=$!
    PIDS+=("$EMULATOR_PID")
    wait_http "http://127.0.0.1:$1/_emulator/health" 20
    if [[ -n ${4:-} ]]; then
        curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
            --data "{\"now\": \"$4\", \"freeze\": true}" "http://127.0.0.1:$1/_emulator/clock"
    fi
    curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data '{"rate_burst": 1000000}' "http://127.0.0.1:$1/_emulator/config"
}

# start_nginx PORT: nginx as the current user, its prefix, pid and logs under $WORK/nginx,
# answering 200 to every request. Sets NGINX_PID.
start_nginx() {
    local dir=$WORK/nginx
    mkdir -p "$dir/logs" "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$1;
        location / { return 200; }
    }
}
CONF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/logs/stdout.log" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    wait_http "http://127.0.0.1:$1/" 10
}
