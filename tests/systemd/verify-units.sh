#!/bin/sh
# Checks the shipped unit with systemd-analyze: `verify` (syntax, directives, dependencies) and,
# where systemd supports it (>= 252), the offline security rating, which must stay at 2.0 or
# lower. Exits 77 (CTest's skip) on machines without systemd-analyze.
# Usage: verify-units.sh SOURCE_DIR
set -eu
src=${1:?usage: verify-units.sh SOURCE_DIR}
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze is not installed"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify insists that ExecStart's binary exists: point the copy at a stand-in.
printf '#!/bin/sh\nexit 0\n' >"$tmp/reglamentd"
chmod 755 "$tmp/reglamentd"
sed "s#/usr/bin/reglamentd#$tmp/reglamentd#g" "$src/systemd/reglamentd.service" \
    >"$tmp/reglamentd.service"
systemd-analyze verify --man=no "$tmp/reglamentd.service"
echo "verify: ok"
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    out=$(systemd-analyze security --offline=true --no-pager "$tmp/reglamentd.service" 2>&1 || true)
    score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -z "$score" ]; then
        printf '%s\n' "$out"
        echo "security: no score in the output"
        exit 1
    fi
    echo "security: exposure $score"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || {
        echo "security: $score is above 2.0"
        exit 1
    }
fi
