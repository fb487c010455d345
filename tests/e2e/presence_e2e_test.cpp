// "Present" from the portal (issue 7): the emulated portal and the daemon as processes, the
// shipped example config, both clocks frozen and moved together. An absence entered in the
// portal and a deactivated account change who L1 hands new leads to; the daemon learns of them
// at its next presence refresh ([people] presence_refresh_seconds of clock time).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/portal_fixture.hpp"

namespace presence_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

constexpr long long kPetrov = 11;   // [people.managers.petrov]
constexpr long long kSokolov = 13;  // [people.managers.sokolov]

long long to_id(const json& v) {
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

long long new_lead(Portal& p, int n) {
    char phone[32];
    std::snprintf(phone, sizeof phone, "+7 914 %03d-%02d-%02d", n, n % 100, n % 90 + 10);
    return to_id(p.control(
        "act/lead",
        {{"title", "Заявка №" + std::to_string(n)}, {"name", "Иван"}, {"phone", phone}})["id"]);
}

long long assigned(Portal& p, long long lead) {
    return to_id(p.lead(lead)["ASSIGNED_BY_ID"]);
}

bool is_manager(long long user) {
    return user >= 10 && user <= 15;  // [people.managers]: the scenario's call centre
}

double counter(Portal& p, const std::string& metric) {
    const std::string name = metric + " ";
    auto m = p.http.get(p.admin_url("/metrics")).body;
    auto at = m.find("\n" + name);
    if (at == std::string::npos) return 0;
    return std::stod(m.substr(at + 1 + name.size(), m.find('\n', at + 1) - at - 1 - name.size()));
}

double refreshes(Portal& p) {
    return counter(p, "reglament_presence_refreshes_total");
}

// Moves both clocks by `seconds` and waits until the daemon has read the portal's people again
// (a refresh is due at every move of at least presence_refresh_seconds) and settled.
void advance_past_refresh(Portal& p, int seconds) {
    double before = refreshes(p);
    p.advance(seconds);
    REQUIRE(eventually([&] { return refreshes(p) > before; }));
    p.settle();
}

// The first responsible of each of `count` new leads, one lead at a time.
std::map<long long, int> distribute(Portal& p, int count, int first_number,
                                    std::vector<long long>* order = nullptr) {
    std::map<long long, int> per_manager;
    for (int i = 0; i < count; ++i) {
        long long id = new_lead(p, first_number + i);
        p.settle();
        long long who = assigned(p, id);
        CHECK(is_manager(who));
        ++per_manager[who];
        if (order) order->push_back(who);
    }
    return per_manager;
}

std::string spread_of(const std::map<long long, int>& per_manager) {
    std::string out;
    for (const auto& [user, count] : per_manager)
        out += std::to_string(user) + ": " + std::to_string(count) + "; ";
    return out;
}

int most_minus_least(const std::map<long long, int>& per_manager) {
    auto [lo, hi] = std::minmax_element(per_manager.begin(), per_manager.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
    return hi->second - lo->second;
}

}  // namespace

TEST_CASE("e2e presence: a manager absent in the portal gets no leads, then takes turns again",
          "[e2e][lead][L1][presence]") {
    Portal p;  // Monday 09:00: all six managers on shift
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));  // the refresh at start
    p.control("act/absence", {{"user_id", kPetrov},
                              {"from", "2026-03-02T09:00:00+03:00"},
                              {"to", "2026-03-02T10:00:00+03:00"},
                              {"reason", "vacation"}});
    advance_past_refresh(p, 300);  // 09:05: the daemon has read the absence

    auto away = distribute(p, 10, 1);
    INFO("while away: " << spread_of(away));
    CHECK(away.count(kPetrov) == 0);
    CHECK(away.size() == 5);
    CHECK(most_minus_least(away) <= 1);

    advance_past_refresh(p, 3600);  // 10:05: the absence ended at 10:00

    std::vector<long long> order;
    auto back = distribute(p, 10, 101, &order);
    INFO("after the absence: " << spread_of(back));
    // First in line once (the longest without a lead), then in turn: no burst to catch up.
    CHECK(order.front() == kPetrov);
    CHECK(back[kPetrov] >= 1);
    CHECK(back[kPetrov] <= 10 / 6 + 1);
    CHECK(back.size() == 6);
    CHECK(most_minus_least(back) <= 1);
}

TEST_CASE("e2e presence: a user deactivated in the portal gets no leads",
          "[e2e][lead][L1][presence]") {
    Portal p;
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));
    p.control("act/user", {{"user_id", kSokolov}, {"active", false}});
    advance_past_refresh(p, 300);

    auto spread = distribute(p, 10, 201);
    INFO(spread_of(spread));
    CHECK(spread.count(kSokolov) == 0);
    CHECK(spread.size() == 5);
    CHECK(most_minus_least(spread) <= 1);

    // Taken back: in the rotation again from the next refresh on.
    p.control("act/user", {{"user_id", kSokolov}, {"active", true}});
    advance_past_refresh(p, 300);
    auto again = distribute(p, 6, 301);
    INFO(spread_of(again));
    CHECK(again[kSokolov] >= 1);
}

TEST_CASE(
    "e2e presence: a new lead whose manager becomes absent goes to a present one within "
    "one refresh",
    "[e2e][lead][L1][presence]") {
    PortalOptions o;
    // A refresh every minute: the lead must move at the refresh, not at the next 5-minute sweep
    // nor at L4's 10-minute hand-on.
    o.config_edits = {{"presence_refresh_seconds = 300", "presence_refresh_seconds = 60"}};
    Portal p(o);
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));
    long long id = new_lead(p, 401);
    p.settle();
    long long first = assigned(p, id);
    REQUIRE(is_manager(first));

    p.control("act/absence", {{"user_id", first},
                              {"from", "2026-03-02T09:00:00+03:00"},
                              {"to", "2026-03-02T18:00:00+03:00"},
                              {"reason", "sick"}});
    advance_past_refresh(p, 60);  // 09:01
    REQUIRE(eventually([&] { return assigned(p, id) != first; }));
    p.settle();
    long long second = assigned(p, id);
    CHECK(is_manager(second));
    CHECK(second != first);
    auto journal = p.journal({"--entity", "lead:" + std::to_string(id), "--rule", "L1"});
    INFO(journal);
    CHECK(journal.find("is absent") != std::string::npos);

    // It stays there: later sweeps and refreshes do not move it again.
    advance_past_refresh(p, 60);
    CHECK(assigned(p, id) == second);
}

TEST_CASE("e2e presence: a refresh the portal cannot answer keeps the previous answers",
          "[e2e][lead][L1][presence]") {
    Portal p;
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));
    p.control("act/absence", {{"user_id", kPetrov},
                              {"from", "2026-03-02T09:00:00+03:00"},
                              {"to", "2026-03-02T12:00:00+03:00"}});
    advance_past_refresh(p, 300);  // 09:05: Петров is away

    // The portal is down for the next refresh (the client retries, then gives up).
    double failures = counter(p, "reglament_presence_failures_total");
    p.control("faults", {{"method", "*"}, {"kind", "500"}});
    p.advance(300);  // 09:10
    REQUIRE(eventually([&] { return counter(p, "reglament_presence_failures_total") > failures; },
                       std::chrono::seconds(60)));
    p.control_delete("faults");
    p.settle();

    // What the portal said last still holds: Петров is away until 12:00.
    auto spread = distribute(p, 6, 501);
    INFO(spread_of(spread));
    CHECK(spread.count(kPetrov) == 0);
    CHECK(spread.size() == 5);
    // Logged without the webhook's secret.
    auto log = p.daemon->output();
    CHECK(log.find("presence:") != std::string::npos);
    CHECK(log.find("previous answers are kept") != std::string::npos);
    CHECK(log.find("demo-secret") == std::string::npos);
}

TEST_CASE("e2e presence: with use_timeman only managers whose working day is open get leads",
          "[e2e][lead][L1][presence]") {
    PortalOptions o;
    o.config_edits = {{"use_timeman = false", "use_timeman = true"}};
    Portal p(o);
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));
    p.control("act/timeman", {{"user_id", kPetrov}, {"status", "PAUSED"}});
    p.control("act/timeman", {{"user_id", kSokolov}, {"status", "CLOSED"}});
    advance_past_refresh(p, 300);

    auto spread = distribute(p, 8, 601);
    INFO(spread_of(spread));
    CHECK(spread.count(kPetrov) == 0);
    CHECK(spread.count(kSokolov) == 0);
    CHECK(spread.size() == 4);

    // Петров opens his day again: in turn from the next refresh on.
    p.control("act/timeman", {{"user_id", kPetrov}, {"status", "OPENED"}});
    advance_past_refresh(p, 300);
    auto again = distribute(p, 5, 701);
    INFO(spread_of(again));
    CHECK(again[kPetrov] >= 1);
    CHECK(again.count(kSokolov) == 0);
}

// [people] on a config reload (systemctl reload = SIGHUP): the portal's working days are
// consulted from then on, and a shift takes a manager out of turn, without a restart.
TEST_CASE("e2e presence: a reload applies [people] at once: use_timeman and shifts",
          "[e2e][lead][L1][presence][reload]") {
    Portal p;  // Monday 09:00: all six managers on shift, timeman not consulted
    REQUIRE(eventually([&] { return refreshes(p) >= 1; }));
    p.control("act/timeman", {{"user_id", kPetrov}, {"status", "PAUSED"}});
    advance_past_refresh(p, 300);
    auto before = distribute(p, 6, 801);
    INFO("before the reload: " << spread_of(before));
    CHECK(before.count(kPetrov) == 1);  // his paused day does not count yet
    CHECK(before.count(kSokolov) == 1);

    double refreshed = refreshes(p);
    p.reload_config({{"use_timeman = false", "use_timeman = true"},
                     {"name = \"Дмитрий Соколов\"\n",
                      "name = \"Дмитрий Соколов\"\n[people.managers.sokolov.shifts]\ntuesday = "
                      "[\"09:00-18:00\"]\n"}});
    // The reload asks the portal about people at once, timeman.status included.
    REQUIRE(eventually([&] { return refreshes(p) > refreshed; }));
    p.settle();

    auto after = distribute(p, 8, 901);
    INFO("after the reload: " << spread_of(after));
    CHECK(after.count(kPetrov) == 0);
    CHECK(after.count(kSokolov) == 0);
    CHECK(after.size() == 4);
    CHECK(most_minus_least(after) <= 1);
}

}  // namespace presence_e2e_test
