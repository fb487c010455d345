#!/usr/bin/env python3
"""Reaction: a lead arrives at the emulator (POST /_emulator/act/lead, which sends
ONCRMLEADADD to the daemon's /hooks/bitrix) -> the daemon's first REST write for it (L1's
crm.lead.update setting ASSIGNED_BY_ID to a manager), seen in the emulator's read-back.

One lead at a time: created assigned to user 1 (no manager), then GET /_emulator/leads/<id>
is polled until ASSIGNED_BY_ID changes; the daemon is then left to go idle (inbox and outbox
empty in /metrics) before the next lead. Prints median, p90, p99 and max in milliseconds.

    reaction.py EMULATOR_URL ADMIN_URL [--leads N]
Run by bench/run-reaction.sh, which starts the emulator and the daemon.
"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


class Http:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {} if body is None else {"Content-Type": "application/json"}
        self.conn.request(method, path, data, headers)
        r = self.conn.getresponse()
        text = r.read().decode()
        if r.status // 100 != 2:
            raise RuntimeError(f"{method} {path}: {r.status} {text[:200]}")
        return text


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("emulator")
    ap.add_argument("admin")
    ap.add_argument("--leads", type=int, default=200)
    a = ap.parse_args()
    emu, admin = Http(a.emulator), Http(a.admin)

    def idle(deadline_s=10.0):
        until = time.monotonic() + deadline_s
        while time.monotonic() < until:
            m = admin.call("GET", "/metrics")
            if ('reglament_queue_depth{queue="inbox"} 0\n' in m and
                    'reglament_queue_depth{queue="outbox"} 0\n' in m):
                return True
            time.sleep(0.01)
        return False

    before = json.loads(emu.call("GET", "/_emulator/rest-calls?limit=1"))["counts"]
    idle()
    took, lost = [], 0
    for i in range(a.leads):
        start = time.perf_counter()
        lead = json.loads(emu.call("POST", "/_emulator/act/lead", {
            "title": f"bench lead {i}", "name": f"Client {i}",
            "phone": f"+7999{1000000 + i}", "assigned_by_id": 1}))
        lead_id = lead["id"]
        until = start + 10.0
        seen = None
        while time.perf_counter() < until:
            fields = json.loads(emu.call("GET", f"/_emulator/leads/{lead_id}"))
            fields = fields.get("lead", fields)
            if str(fields.get("ASSIGNED_BY_ID")) not in ("1", "None"):
                seen = time.perf_counter()
                break
            time.sleep(0.0005)
        if seen is None:
            lost += 1
        else:
            took.append((seen - start) * 1000)
        idle()
    after = json.loads(emu.call("GET", "/_emulator/rest-calls?limit=1"))["counts"]
    calls = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}

    print(f"leads {a.leads}, reassigned {len(took)}, not within 10 s {lost}")
    if took:
        print("reaction ms (act/lead sent -> ASSIGNED_BY_ID changed at the emulator): "
              f"median {statistics.median(took):.1f}  p90 {pct(took, 90):.1f}  "
              f"p99 {pct(took, 99):.1f}  min {min(took):.1f}  max {max(took):.1f}")
    print("REST calls during the run (per lead):",
          ", ".join(f"{k} {v / a.leads:.2f}" for k, v in sorted(calls.items())))
    return 0 if took and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
