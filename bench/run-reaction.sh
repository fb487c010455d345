#!/usr/bin/env bash
# Reaction benchmark (issue 6, "Benchmarks"): webhook arrives -> first REST write at the
# emulator, with the rate budget free (emulator rate_burst 1,000,000; daemon [portal.rate_limit]
# burst 100000, drain 100000/s). The emulator and the daemon as wired by tests/e2e: the call
# centre scenario, both clocks at Monday 2 March 2026 09:00 (managers present), Wazzup's
# webhooks pointed at the daemon by `reglamentd wazzup setup`. bench/reaction.py drives it.
#
#   bench/run-reaction.sh [--leads 200]
set -euo pipefail
LEADS=200
while (($#)); do
    case $1 in
        --leads) LEADS=$2; shift 2 ;;
        *) echo "usage: $0 [--leads N]" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/bench-lib.sh"
T0=2026-03-02T09:00:00+03:00
EMU=$(free_port) LISTEN=$(free_port) ADMIN=$(free_port)
mkdir -p "$WORK/state"
start_emulator "$EMU" "http://127.0.0.1:$LISTEN/hooks/bitrix" "$WORK/emulator.log" "$T0"
write_config "$WORK/reglament.toml" "$LISTEN" "$ADMIN" "http://127.0.0.1:$EMU" \
    "$WORK/state/reglament.db" "$T0"
start_daemon "$WORK/reglament.toml" "$WORK/daemon.log"
wait_http "http://127.0.0.1:$ADMIN/healthz" 30
"$REGLAMENTD" wazzup setup --config "$WORK/reglament.toml" >"$WORK/wazzup-setup.log" 2>&1 ||
    { cat "$WORK/wazzup-setup.log" >&2; exit 1; }
python3 "$REPO/bench/reaction.py" "http://127.0.0.1:$EMU" "http://127.0.0.1:$ADMIN" --leads "$LEADS"
