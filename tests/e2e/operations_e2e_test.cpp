// The admin's commands against a running daemon and the emulated portal: `reglamentd status`
// (the state file read-only, the admin endpoint) and `reglamentd portal-ids` (the ids to fill
// the config with, listed from the portal).
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
    CHECK(line_of(s.output, "dry-run").find("D1") != std::string::npos);
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

}  // namespace operations_e2e_test
