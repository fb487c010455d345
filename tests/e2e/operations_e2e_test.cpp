// The admin's commands against a running daemon and the emulated portal: `reglamentd status`
// (the state file read-only, the admin endpoint) and `reglamentd portal-ids` (the ids to fill
// the config with, listed from the portal); and what keeps the state file from growing forever
// ([store] keep_done_events_days, keep_journal_days).
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/e2e/portal_fixture.hpp"

namespace operations_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

struct Run {
    int code = -1;
    std::string output;
};

Run reglamentd(Portal& p, const std::string& command, const std::string& log) {
    ChildProcess c({REGLAMENTD_BIN, command, "--config", (p.dir / "reglament.toml").string()},
                   p.dir / log);
    auto code = c.wait_exit(std::chrono::seconds(30));
    return {code.value_or(-1), c.output()};
}

std::string line_of(const std::string& text, const std::string& head) {
    auto at = text.find("\n" + head);
    if (at == std::string::npos) at = text.rfind(head, 0) == 0 ? 0 : std::string::npos;
    if (at == std::string::npos) return "";
    if (text[at] == '\n') ++at;
    return text.substr(at, text.find('\n', at) - at);
}

// Runs one statement on the daemon's state file beside the running daemon (WAL) and returns
// the first column of its first row (0 when it gives none).
long long state_sql(Portal& p, const std::string& sql) {
    sqlite3* db = nullptr;
    const auto path = (p.dir / "state" / "reglament.db").string();
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    const int prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    const int rc = prepared == SQLITE_OK ? sqlite3_step(stmt) : prepared;
    const long long value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    const std::string error = sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    INFO(sql << ": " << error);
    REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
    return value;
}

double metric_value(Portal& p, const std::string& series) {
    auto m = p.http.get(p.admin_url("/metrics")).body;
    auto at = m.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    at += series.size() + 2;
    return std::stod(m.substr(at, m.find('\n', at) - at));
}

}  // namespace

TEST_CASE("e2e: reglamentd status shows queues, the last poll, the rules and the daemon",
          "[e2e][operations][status]") {
    PortalOptions o;
    o.poll_interval_seconds = 1;
    Portal p(o);
    auto lead =
        p.control("act/lead",
                  {{"title", "ООО Статус"}, {"name", "Иван"}, {"phone", "+7 912 000-11-22"}})["id"]
            .get<long long>();
    p.settle();
    REQUIRE(p.lead(lead).dump().find("ASSIGNED_BY_ID") != std::string::npos);

    auto s = reglamentd(p, "status", "status-1.out");
    INFO(s.output);
    CHECK(s.code == 0);
    CHECK(line_of(s.output, "daemon").find("up ") != std::string::npos);
    CHECK(line_of(s.output, "daemon").find("version ") != std::string::npos);
    // The manual clock of the test, in the calendar's zone.
    CHECK(line_of(s.output, "clock").find("2026-03-02T09:00:00+03:00") != std::string::npos);
    CHECK(line_of(s.output, "inbox").find("0 pending") != std::string::npos);
    CHECK(line_of(s.output, "outbox").find("0 open (0 unknown)") != std::string::npos);
    CHECK(line_of(s.output, "outbox").find("0 failed") != std::string::npos);
    // L4's take-in SLA (and more) wait on the new lead.
    CHECK(line_of(s.output, "timers").find(", earliest 2026-03-02T09:") != std::string::npos);
    CHECK(line_of(s.output, "last poll").find("2026-03-02T09:00:00+03:00") != std::string::npos);
    CHECK(line_of(s.output, "rules on").find(" L1 ") != std::string::npos);
    CHECK(line_of(s.output, "rules on").find(" D1 ") != std::string::npos);
    CHECK(line_of(s.output, "dry-run").find("D1") == std::string::npos);
    CHECK(line_of(s.output, "actions").find("done ") != std::string::npos);
    // The Bitrix24 rate limiter's budget, from /metrics: the fixture's burst is far above what
    // one lead costs, so most of it is left.
    auto budget = line_of(s.output, "rate budget");
    CHECK(budget.find(" Bitrix24 REST requests left") != std::string::npos);
    long long left = -1, capacity = -1;
    CHECK(std::sscanf(budget.c_str(), "rate budget %lld of %lld", &left, &capacity) == 2);
    CHECK(capacity > 1000);
    CHECK(left > capacity / 2);
    CHECK(left <= capacity);
    CHECK(line_of(s.output, "last errors").find("none") != std::string::npos);

    // What an admin alerts on, in /metrics: REST traffic, the oldest waiting row, timer lag.
    auto m = p.http.get(p.admin_url("/metrics")).body;
    CHECK_THAT(m, Catch::Contains("# TYPE reglament_rest_requests_total counter"));
    const std::string name = "reglament_rest_requests_total{what=\"http_requests\"} ";
    auto at = m.find("\n" + name);
    REQUIRE(at != std::string::npos);
    auto requests = m.substr(at + 1, m.find('\n', at + 1) - at - 1);
    INFO(requests);
    CHECK(std::stod(requests.substr(requests.rfind(' ') + 1)) >= 1);
    CHECK_THAT(m, Catch::Contains("reglament_rest_requests_total{what=\"limit_errors\"} 0"));
    CHECK_THAT(m, Catch::Contains("reglament_queue_oldest_age_seconds{queue=\"outbox\"} 0"));
    CHECK_THAT(m, Catch::Contains("reglament_timer_lag_seconds 0"));

    // The daemon stopped: the state file still answers, the exit code says it is down.
    p.daemon->signal(SIGTERM);
    REQUIRE(p.daemon->wait_exit(std::chrono::seconds(20)) == 0);
    auto down = reglamentd(p, "status", "status-2.out");
    INFO(down.output);
    CHECK(down.code == 3);
    CHECK(line_of(down.output, "daemon").find("not answering at http://127.0.0.1:") !=
          std::string::npos);
    CHECK(line_of(down.output, "outbox").find("0 open") != std::string::npos);
    CHECK(line_of(down.output, "last poll").find("2026-03-02T09:00:00+03:00") != std::string::npos);
}

TEST_CASE("e2e: reglamentd portal-ids lists statuses, pipelines and stages, users and fields",
          "[e2e][operations][portal-ids]") {
    Portal p;
    auto r = reglamentd(p, "portal-ids", "portal-ids.out");
    INFO(r.output);
    CHECK(r.code == 0);
    // Lead statuses of the call centre, with their ids.
    CHECK(r.output.find("UC_NODIAL") != std::string::npos);
    CHECK(r.output.find("3. Недозвон") != std::string::npos);
    // Both pipelines and their stages: the default one under DEAL_STAGE, the other prefixed.
    CHECK(r.output.find("pipeline 0  Замеры") != std::string::npos);
    CHECK(r.output.find("DEAL_STAGE_1") != std::string::npos);
    CHECK(r.output.find("Отложенный спрос") != std::string::npos);
    CHECK(r.output.find("UC_MEASURE") != std::string::npos);
    CHECK(r.output.find("C1:") != std::string::npos);
    // Users with ids and names.
    CHECK(r.output.find("10      Анна Смирнова") != std::string::npos);
    CHECK(r.output.find("11      Иван Петров") != std::string::npos);
}

TEST_CASE("e2e: done events and journal lines past their keep days are deleted on the clock",
          "[e2e][operations][retention]") {
    PortalOptions o;
    o.config_edits = {{"keep_done_events_days = \\d+", "keep_done_events_days = 2"},
                      {"keep_journal_days = \\d+", "keep_journal_days = 4"}};
    Portal p(o);
    p.control("act/lead", {{"title", "ООО Срок хранения"}, {"phone", "+7 912 000-33-44"}});
    p.settle();
    // The clock stands still: everything so far was received and journaled at the start.
    const long long start = state_sql(p, "SELECT min(received_at) FROM inbox");
    constexpr long long kDay = 86400000;
    const std::string first_day = std::to_string(start + kDay);
    const std::string old_done =
        "SELECT count(*) FROM inbox WHERE status = 'done' AND received_at < " + first_day;
    const std::string old_lines = "SELECT count(*) FROM journal WHERE time < " + first_day;
    REQUIRE(state_sql(p, old_done) > 0);
    REQUIRE(state_sql(p, old_lines) > 0);
    // An event the engine gave up on long ago stays for the admin (`status`, inbox_failed).
    state_sql(p,
              "INSERT INTO inbox (source, dedup_key, entity_key, kind, payload, received_at, "
              "status, attempts) VALUES ('bitrix', 'test:parked', 'lead:999999', "
              "'ONCRMLEADUPDATE', '{}', " +
                  std::to_string(start - 10 * kDay) + ", 'failed', 5)");
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"inbox\"}") == 0);

    // Three days on: the first day's done events are past two days, its journal lines not yet
    // past four.
    p.advance(3 * 86400);
    p.settle();
    CHECK(eventually([&] { return state_sql(p, old_done) == 0; }));
    CHECK(state_sql(p, "SELECT count(*) FROM inbox WHERE status = 'done'") > 0);
    CHECK(state_sql(p, "SELECT count(*) FROM inbox WHERE status = 'failed'") == 1);
    CHECK(state_sql(p, old_lines) > 0);
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"inbox\"}") > 0);
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"journal\"}") == 0);

    // Two more: the journal's first day goes too.
    p.advance(2 * 86400);
    p.settle();
    CHECK(eventually([&] { return state_sql(p, old_lines) == 0; }));
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"journal\"}") > 0);
    CHECK(state_sql(p, "SELECT count(*) FROM inbox WHERE status = 'failed'") == 1);
}

TEST_CASE("e2e: closed snapshots and old marks are forgotten on the clock, the rest kept",
          "[e2e][operations][retention]") {
    PortalOptions o;
    o.config_edits = {{"keep_closed_days = \\d+", "keep_closed_days = 2"},
                      {"keep_marks_days = \\d+", "keep_marks_days = 2"}};
    Portal p(o);
    p.settle();
    const std::string start = std::to_string(state_sql(p, "SELECT min(received_at) FROM inbox"));
    // A year's history in small: a completed task and a junk lead, an open task, the marks of a
    // sent message and of a dry-run decision, all from the first moment.
    state_sql(p,
              "INSERT INTO snapshots (entity_key, json, updated_at, open) VALUES "
              "('task:900001', '{\"id\":\"900001\",\"status\":5}', " +
                  start +
                  ", 0), "
                  "('lead:900003', '{\"id\":\"900003\",\"status_semantic\":\"F\"}', " +
                  start +
                  ", 0), "
                  "('task:900002', '{\"id\":\"900002\",\"status\":2}', " +
                  start + ", 1)");
    state_sql(p, "INSERT INTO kv (key, value) VALUES ('dry-run:H1:lead:900003:gap1', '" + start +
                     "'), ('wazzup.sent:m-900003', '{\"entity_key\":\"lead:900003\",\"at\":" +
                     start + "}')");
    auto count = [&](const std::string& where) {
        return state_sql(p, "SELECT count(*) FROM " + where);
    };
    CHECK(count("snapshots WHERE entity_key IN ('task:900001', 'lead:900003')") == 2);

    p.advance(3 * 86400);
    p.settle();
    CHECK(eventually([&] {
        return count("snapshots WHERE entity_key IN ('task:900001', 'lead:900003')") == 0;
    }));
    CHECK(count("forgotten_snapshots WHERE entity_key IN ('task:900001', 'lead:900003')") == 2);
    CHECK(count("snapshots WHERE entity_key = 'task:900002'") == 1);  // open: kept
    CHECK(count("kv WHERE key IN ('dry-run:H1:lead:900003:gap1', 'wazzup.sent:m-900003')") == 0);
    CHECK(count("kv WHERE key = 'engine:last_sweep'") == 1);  // other keys stay
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"snapshots\"}") >= 2);
    CHECK(metric_value(p, "reglament_store_pruned_total{table=\"marks\"}") >= 2);
}

}  // namespace operations_e2e_test
