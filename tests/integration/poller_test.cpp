// The poller against a local portal over real HTTP and a real SQLite store: modified leads
// become inbox events page by page, a second poll adds nothing, a lead the event stream never
// delivered is caught by the next poll, and the first start syncs the open leads.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>

#include "bitrix/client.hpp"
#include "daemon/poller.hpp"
#include "store/sqlite_store.hpp"
#include "tests/integration/daemon_portal.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace poller_test {

using namespace reglament;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string minute(int m, int hour = 8) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "2026-03-02T%02d:%02d:00+00:00", hour, m);
    return buf;
}

struct Bench {
    store::testing::TempDir dir;
    store::SqliteStore store{dir.file("reglament.db")};
    ManualClock clock{store::testing::at_ms(1772438400000)};  // 2026-03-02T08:00:00Z
    testing::LocalPortal portal;
    testing::IoThread runner;
    std::unique_ptr<bitrix::Client> bitrix;
    std::map<std::string, std::size_t> appended;  // last poll, per kind
    std::unique_ptr<daemon::Poller> poller;

    Bench() {
        bitrix::ClientOptions o;
        o.webhook_url = portal.webhook();
        o.bucket.burst = 50;
        o.bucket.drain_per_second = 50;
        o.http.request_timeout = 2s;
        bitrix = std::make_unique<bitrix::Client>(runner.io, o, clock);
        daemon::PollerHooks hooks;
        hooks.items = [this](std::string_view kind, std::size_t, std::size_t n) {
            appended[std::string(kind)] = n;
        };
        daemon::PollerOptions options;
        options.interval = 1h;  // the tests poll by hand
        poller = std::make_unique<daemon::Poller>(runner.io, store, *bitrix, clock, options,
                                                  std::move(hooks));
    }
    ~Bench() {
        poller->stop();
        bitrix->shutdown();
    }

    bool poll() {
        std::promise<bool> done;
        auto f = done.get_future();
        poller->poll_now([&](bool ok) { done.set_value(ok); });
        REQUIRE(f.wait_for(20s) == std::future_status::ready);
        return f.get();
    }
    std::vector<store::StoredEvent> lead_events() {
        std::vector<store::StoredEvent> out;
        for (auto& e : store.next_pending(10000))
            if (e.event.kind == "poll.lead") out.push_back(e);
        return out;
    }
};

}  // namespace

TEST_CASE("poller: three pages of modified leads become events once",
          "[daemon][poller][integration]") {
    Bench b;
    for (const char* kind : {"poll:lead", "poll:deal", "poll:task", "poll:activity"})
        b.store.put_kv(kind, "2026-03-02T07:00:00+00:00");
    for (int id = 1; id <= 130; ++id)
        b.portal.add_lead(id, minute(id % 50));

    CHECK(b.poll());
    auto events = b.lead_events();
    REQUIRE(events.size() == 130);
    std::set<std::string> keys;
    for (auto& e : events)
        keys.insert(e.event.entity_key);
    CHECK(keys.size() == 130);
    CHECK(keys.count("lead:130") == 1);
    CHECK(events[0].event.source == "poller");
    CHECK(json::parse(events[0].event.payload)["initial_sync"] == false);
    CHECK(b.appended["lead"] == 130);
    CHECK(b.store.get_kv("poll:lead") == std::optional<std::string>(minute(49)));
    CHECK(b.portal.count("crm.lead.list") >= 3);

    // The overlap lists some leads again; the dedup keys drop them.
    CHECK(b.poll());
    CHECK(b.appended["lead"] == 0);
    CHECK(b.lead_events().size() == 130);

    SECTION("a lead the event stream never delivered is found by the next poll") {
        b.portal.add_lead(500, "2026-03-02T09:10:00+00:00");
        CHECK(b.poll());
        CHECK(b.appended["lead"] == 1);
        auto after = b.lead_events();
        REQUIRE(after.size() == 131);
        CHECK(after.back().event.entity_key == "lead:500");
        CHECK(after.back().event.dedup_key == "poll:lead:500:2026-03-02T09:10:00+00:00");
        CHECK(b.store.get_kv("poll:lead") ==
              std::optional<std::string>("2026-03-02T09:10:00+00:00"));
    }
    SECTION("a lead modified again is an event again") {
        b.portal.leads[0].modified = "2026-03-02T09:20:00+00:00";
        CHECK(b.poll());
        CHECK(b.appended["lead"] == 1);
    }
}

TEST_CASE("poller: a call whose event was lost comes back from the statistics as that event",
          "[daemon][poller][integration]") {
    Bench b;
    for (const char* kind : {"poll:lead", "poll:deal", "poll:task", "poll:activity", "poll:call"})
        b.store.put_kv(kind, "2026-03-02T07:00:00+00:00");
    b.portal.call_rows.push_back({{"ID", "1"},
                                  {"CALL_ID", "externalCall.7"},
                                  {"CALL_TYPE", "1"},
                                  {"PHONE_NUMBER", "+79161234567"},
                                  {"PORTAL_USER_ID", "11"},
                                  {"CALL_DURATION", "0"},
                                  {"CALL_START_DATE", "2026-03-02T10:05:00+03:00"},
                                  {"CALL_FAILED_CODE", "304"},
                                  {"CRM_ENTITY_TYPE", "LEAD"},
                                  {"CRM_ENTITY_ID", "7"},
                                  {"CRM_ACTIVITY_ID", "55"}});
    CHECK(b.poll());
    CHECK(b.appended["call"] == 1);
    std::vector<store::StoredEvent> calls;
    for (auto& e : b.store.next_pending(100))
        if (e.event.kind == "ONVOXIMPLANTCALLEND") calls.push_back(e);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].event.source == "bitrix");
    CHECK(calls[0].event.entity_key == "call:externalCall.7");
    CHECK(calls[0].event.dedup_key == "bitrix:call:externalCall.7");
    json call = json::parse(calls[0].event.payload)["call"];
    CHECK(call["call_id"] == "externalCall.7");
    CHECK(call["crm_activity_id"] == "55");
    CHECK(b.store.get_kv("poll:call") == std::optional<std::string>("2026-03-02T10:05:00+03:00"));
    // Listed again (two hours back) or sent online as well: one inbox event.
    CHECK(b.poll());
    CHECK(b.appended["call"] == 0);
    const std::vector<store::InboxEvent> online = {{"bitrix", "bitrix:call:externalCall.7",
                                                    "call:externalCall.7", "ONVOXIMPLANTCALLEND",
                                                    "{}", b.clock.now()}};
    CHECK(b.store.append_events(online)[0].outcome == store::AppendOutcome::duplicate);

    SECTION("a webhook without the telephony scope still polls everything else") {
        b.portal.refuse = [](const std::string& method, int) -> std::optional<net::Response> {
            if (method != "voximplant.statistic.get") return std::nullopt;
            return net::Response::json(
                401,
                R"({"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the webhook token"})");
        };
        CHECK(b.poll());
    }
}

TEST_CASE("poller: the first start syncs the open leads", "[daemon][poller][integration]") {
    Bench b;
    for (int id = 1; id <= 60; ++id)
        b.portal.add_lead(id, minute(id % 50, 7), id % 3 ? "P" : "S");
    CHECK(b.poll());
    auto events = b.lead_events();
    CHECK(events.size() == 40);  // the 20 won leads are not open
    for (auto& e : events) {
        CHECK(json::parse(e.event.payload)["initial_sync"] == true);
        CHECK(std::stoi(e.event.entity_key.substr(5)) % 3 != 0);
    }
    // From now on the poll asks for changes since the sync began.
    CHECK(b.store.get_kv("poll:lead") == std::optional<std::string>("2026-03-02T08:00:00+00:00"));
    CHECK(b.store.get_kv("poll:activity").has_value());
    b.portal.add_lead(99, "2026-03-02T08:30:00+00:00", "S");
    CHECK(b.poll());
    CHECK(b.appended["lead"] == 1);  // a change, even of a closed lead, is news
}

TEST_CASE("poller: a list the portal refuses keeps its watermark",
          "[daemon][poller][integration]") {
    Bench b;
    for (const char* kind : {"poll:lead", "poll:deal", "poll:task", "poll:activity"})
        b.store.put_kv(kind, "2026-03-02T07:00:00+00:00");
    b.portal.add_lead(1, minute(10));
    b.portal.refuse = [](const std::string& method, int) -> std::optional<net::Response> {
        if (method == "crm.lead.list")
            return net::Response::json(400,
                                       R"({"error":"ACCESS_DENIED","error_description":"no"})");
        return std::nullopt;
    };
    CHECK_FALSE(b.poll());
    CHECK(b.lead_events().empty());
    CHECK(b.store.get_kv("poll:lead") == std::optional<std::string>("2026-03-02T07:00:00+00:00"));
    CHECK(b.portal.count("crm.deal.list") == 1);  // the other kinds are still polled

    b.portal.refuse = nullptr;
    CHECK(b.poll());
    CHECK(b.lead_events().size() == 1);
}

}  // namespace poller_test
