// The outbox worker against a local portal over real HTTP and a real SQLite store: an action
// runs once, a refused call is retried after its backoff, a create whose answer was lost is
// found by its tag instead of being created twice, a refusal fails the action with a journal
// line.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bitrix/client.hpp"
#include "daemon/outbox_worker.hpp"
#include "daemon/portal_auth.hpp"
#include "net/http_client.hpp"
#include "store/sqlite_store.hpp"
#include "tests/integration/daemon_portal.hpp"
#include "tests/unit/store/temp_dir.hpp"
#include "wazzup/client.hpp"
#include "wazzup/unknown_send.hpp"

namespace outbox_worker_test {

using namespace reglament;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Outcomes {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::pair<std::int64_t, std::string>> seen;

    daemon::OutboxObserver observer() {
        return [this](const store::StoredAction& row, std::string_view outcome) {
            std::lock_guard lock(mutex);
            seen.emplace_back(row.id, std::string(outcome));
            changed.notify_all();
        };
    }
    // Waits (for network I/O, not for business time) until `n` outcomes are in.
    std::string wait(std::size_t n) {
        std::unique_lock lock(mutex);
        bool ok = changed.wait_for(lock, 20s, [&] { return seen.size() >= n; });
        REQUIRE(ok);
        return seen[n - 1].second;
    }
};

struct Bench {
    store::testing::TempDir dir;
    store::SqliteStore store{dir.file("reglament.db")};
    ManualClock clock{store::testing::at_ms(1772434800000)};  // 2026-03-02T07:00:00Z
    testing::LocalPortal portal;
    testing::IoThread runner;
    std::unique_ptr<bitrix::Client> bitrix;
    net::AsyncHttpClient http{runner.io};
    std::unique_ptr<wazzup::Client> wazzup;
    Outcomes outcomes;
    daemon::PortalAuth auth;
    std::unique_ptr<daemon::OutboxWorker> worker;

    Bench() {
        bitrix::ClientOptions o;
        o.webhook_url = portal.webhook();
        o.bucket.burst = 50;
        o.bucket.drain_per_second = 50;
        o.batch_limit = 1;
        o.retry.base_backoff = 10ms;
        o.retry.max_transient_retries = 0;  // the outbox's own retry is under test
        o.http.request_timeout = 500ms;
        o.http.connect_timeout = 1s;
        bitrix = std::make_unique<bitrix::Client>(runner.io, o, clock);
        wazzup::ClientConfig wc;
        wc.base_url = portal.origin() + "/v3";
        wc.api_key = "key";
        wazzup = std::make_unique<wazzup::Client>(runner.io, http, clock, wc);
        daemon::PlanSettings settings;
        settings.marker = "[Регламент]";
        settings.wazzup_channel_id = "chan-1";
        settings.user_names["7"] = "Иван Петров";
        settings.templates["Недозвон"] = {"{client_name}, не дозвонились", "", {}};
        daemon::OutboxOptions oo;
        oo.auth = &auth;
        worker = std::make_unique<daemon::OutboxWorker>(
            runner.io, store, clock, *bitrix, wazzup.get(), settings, oo, outcomes.observer());
        worker->start();
    }
    ~Bench() {
        worker->stop();
        bitrix->shutdown();
        http.shutdown();
    }

    void enqueue(std::string kind, json params, std::string key) {
        store::NewAction a;
        a.idempotency_key = "L4:lead:12:" + key;
        a.entity_key = "lead:12";
        a.rule_id = "L4";
        a.kind = std::move(kind);
        a.payload = json{{"params", std::move(params)}, {"reason", "лид без задачи"}}.dump();
        a.created_at = clock.now();
        REQUIRE(store.enqueue_actions({&a, 1}) == std::vector<bool>{true});
        worker->wake();
    }
    // Business time passes; the worker is told to look again.
    void later(std::chrono::milliseconds d) {
        clock.advance(d);
        worker->wake();
    }
    store::StoredAction action(std::size_t outcome_index) {
        auto row = store.get_action(outcomes.seen.at(outcome_index).first);
        REQUIRE(row);
        return *row;
    }
};

json task_params() {
    return {{"title", "Позвонить клиенту"},
            {"description", "Нет открытой задачи"},
            {"responsible_id", 7},
            {"deadline", "2026-03-02T12:00:00+03:00"},
            {"bindings", {"L_12"}}};
}

}  // namespace

TEST_CASE("outbox: an action executes once and is journalled", "[daemon][outbox][integration]") {
    Bench b;
    b.enqueue("task.add", task_params(), "task");
    CHECK(b.outcomes.wait(1) == "done");
    REQUIRE(b.portal.task_count() == 1);
    CHECK(b.portal.tasks[0].fields["TITLE"] == "[Регламент] Позвонить клиенту");
    CHECK(b.portal.tasks[0].fields["UF_CRM_TASK"] == json{"L_12"});
    auto row = b.action(0);
    CHECK(row.status == store::ActionStatus::done);
    CHECK(json::parse(row.result)["created_id"] == "101");

    // Nothing more happens however often the worker looks.
    b.later(1h);
    b.enqueue("lead.update", {{"lead_id", 12}, {"fields", {{"STATUS_ID", "IN_PROCESS"}}}}, "st");
    CHECK(b.outcomes.wait(2) == "done");
    CHECK(b.portal.count("tasks.task.add") == 1);
    CHECK(b.portal.count("crm.lead.update") == 1);

    auto journal = b.store.query_journal({.entity_key = "lead:12"});
    REQUIRE(journal.size() == 2);
    CHECK(journal[0].rule_id == "L4");
    CHECK(journal[0].action == "task.add");
    CHECK(journal[0].reason == "лид без задачи");
    CHECK(journal[0].result == "done id=101");
    CHECK(journal[1].action == "lead.update");
}

TEST_CASE("outbox: a 500 is retried after the backoff, then done",
          "[daemon][outbox][integration]") {
    Bench b;
    b.portal.refuse = [](const std::string& method, int n) -> std::optional<net::Response> {
        if (method == "crm.lead.update" && n == 1)
            return net::Response::json(500, R"({"error":"INTERNAL_SERVER_ERROR"})");
        return std::nullopt;
    };
    b.enqueue("lead.update", {{"lead_id", 12}, {"fields", {{"STATUS_ID", "IN_PROCESS"}}}}, "st");
    CHECK(b.outcomes.wait(1) == "retry");
    CHECK(b.action(0).status == store::ActionStatus::pending);
    CHECK(b.portal.count("crm.lead.update") == 0);  // refused before it ran

    b.later(5s);  // the first backoff
    CHECK(b.outcomes.wait(2) == "done");
    CHECK(b.portal.count("crm.lead.update") == 1);
    auto row = b.action(1);
    CHECK(row.status == store::ActionStatus::done);
    CHECK(row.attempts == 2);
}

TEST_CASE("outbox: a create whose answer was lost is found, not created again",
          "[daemon][outbox][integration]") {
    Bench b;
    b.portal.withhold = [](const std::string& method, int) {
        return method == "tasks.task.add";  // runs at the portal; the answer never comes
    };
    b.enqueue("task.add", task_params(), "task");
    CHECK(b.outcomes.wait(1) == "unknown");
    CHECK(b.action(0).status == store::ActionStatus::unknown);
    CHECK(b.portal.task_count() == 1);

    b.later(10min);
    CHECK(b.outcomes.wait(2) == "done");
    CHECK(b.portal.task_count() == 1);  // exactly one task at the portal
    CHECK(b.portal.count("tasks.task.add") == 1);
    CHECK(b.portal.count("tasks.task.list") == 1);
    auto result = json::parse(b.action(1).result);
    CHECK(result["found_by_lookup"] == true);
    CHECK(result["created_id"] == "101");
}

TEST_CASE("outbox: a refusal fails the action with a journal line",
          "[daemon][outbox][integration]") {
    Bench b;
    b.portal.refuse = [](const std::string& method, int) -> std::optional<net::Response> {
        if (method == "crm.lead.update")
            return net::Response::json(
                403, R"({"error":"ACCESS_DENIED","error_description":"Access denied."})");
        return std::nullopt;
    };
    b.enqueue("lead.update", {{"lead_id", 12}, {"fields", {{"STATUS_ID", "X"}}}}, "st");
    CHECK(b.outcomes.wait(1) == "failed");
    CHECK(b.action(0).status == store::ActionStatus::failed);
    // The entity's next action is not held up by the failed one.
    b.enqueue("task.add", {{"title", "x"}}, "bad");  // no responsible_id
    CHECK(b.outcomes.wait(2) == "failed");
    auto journal = b.store.query_journal({.rule_id = "L4"});
    REQUIRE(journal.size() == 2);
    CHECK(journal[0].result.find("ACCESS_DENIED") != std::string::npos);
    CHECK(journal[1].result.find("responsible_id") != std::string::npos);
    CHECK(b.portal.task_count() == 0);
}

TEST_CASE("outbox: a Wazzup send carries its crmMessageId — 'no WhatsApp' goes back to the rule",
          "[daemon][outbox][integration]") {
    Bench b;
    json params = {{"phone", "8 912 345-67-89"},
                   {"template", "Недозвон"},
                   {"values", {{"client_name", "Анна"}}}};
    b.enqueue("wazzup.send", params, "msg1");
    CHECK(b.outcomes.wait(1) == "done");
    REQUIRE(b.portal.wazzup_bodies.size() == 1);
    CHECK(b.portal.wazzup_bodies[0]["chatId"] == "79123456789");
    CHECK(b.portal.wazzup_bodies[0]["text"] == "Анна, не дозвонились");
    CHECK(b.portal.wazzup_bodies[0]["crmMessageId"] == wazzup::crm_message_id("L4:lead:12:msg1"));

    b.portal.wazzup_answer = net::Response::json(
        400, R"({"error":"BAD_CONTACT","description":"Number may not be on WhatsApp"})");
    b.enqueue("wazzup.send", params, "msg2");
    CHECK(b.outcomes.wait(2) == "failed");
    auto events = b.store.next_pending(10);
    REQUIRE(events.size() == 1);
    CHECK(events[0].event.source == "wazzup");
    CHECK(events[0].event.kind == "wazzup.send_failed");
    CHECK(events[0].event.entity_key == "lead:12");
    auto payload = json::parse(events[0].event.payload);
    CHECK(payload["no_whatsapp"] == true);
    CHECK(payload["code"] == "BAD_CONTACT");
    CHECK(payload["rule_id"] == "L4");
    auto journal = b.store.query_journal({.entity_key = "lead:12"});
    REQUIRE(journal.size() == 2);
    CHECK(journal[1].result.find("BAD_CONTACT") != std::string::npos);
}

TEST_CASE("outbox: a Wazzup send interrupted in flight is repeated only inside the 60 s window",
          "[daemon][outbox][integration][wazzup]") {
    Bench b;
    b.worker->stop();
    json params = {{"phone", "8 912 345-67-89"},
                   {"template", "Недозвон"},
                   {"values", {{"client_name", "Анна"}}}};
    store::NewAction a;
    a.idempotency_key = "L5:lead:12:nedozvon";
    a.entity_key = "lead:12";
    a.rule_id = "L5";
    a.kind = "wazzup.send";
    a.payload = json{{"params", params}, {"reason", "r"}}.dump();
    a.created_at = b.clock.now();
    b.store.enqueue_actions({&a, 1});
    auto ready = b.store.next_ready(b.clock.now(), 1);
    REQUIRE(ready.size() == 1);
    b.store.mark_action_in_flight(ready[0].id);  // the daemon died with it in flight

    daemon::PlanSettings settings;
    settings.wazzup_channel_id = "chan-1";
    settings.templates["Недозвон"] = {"{client_name}, не дозвонились", "", {}};
    auto restart = [&] {
        auto w = std::make_unique<daemon::OutboxWorker>(
            b.runner.io, b.store, b.clock, *b.bitrix, b.wazzup.get(), settings,
            daemon::OutboxOptions{}, b.outcomes.observer());
        CHECK(w->start() == 1);
        return w;
    };
    SECTION("back 20 s later: the same crmMessageId again, Wazzup dedups it") {
        b.clock.advance(20s);
        auto w = restart();
        CHECK(b.outcomes.wait(1) == "done");
        REQUIRE(b.portal.wazzup_bodies.size() == 1);
        CHECK(b.portal.wazzup_bodies[0]["crmMessageId"] == "L5:lead:12:nedozvon");
        w->stop();
    }
    SECTION("back 2 minutes later: never sent again; no echo in 5 minutes → given up, told") {
        b.clock.advance(2min);
        auto w = restart();
        CHECK(b.outcomes.wait(1) == "unknown");
        b.clock.advance(3min);
        w->wake();
        CHECK(b.outcomes.wait(2) == "failed");
        CHECK(b.portal.wazzup_bodies.empty());
        auto events = b.store.next_pending(10);
        REQUIRE(events.size() == 1);
        CHECK(events[0].event.kind == "wazzup.send_failed");
        auto payload = json::parse(events[0].event.payload);
        CHECK(payload["code"] == "OUTCOME_UNKNOWN");
        CHECK(payload["template"] == "Недозвон");
        w->stop();
    }
    SECTION("back 2 minutes later, its echo came meanwhile: done, never sent again") {
        b.clock.advance(2min);
        const auto fp =
            wazzup::echo_fingerprint("chan-1", "79123456789", "Анна, не дозвонились", false);
        b.store.put_kv("wazzup.echo:" + fp,
                       json{{"message_id", "m-1"},
                            {"at", std::chrono::duration_cast<std::chrono::milliseconds>(
                                       (b.clock.now() - 119s).time_since_epoch())
                                       .count()}}
                           .dump());
        auto w = restart();
        CHECK(b.outcomes.wait(1) == "done");
        CHECK(b.portal.wazzup_bodies.empty());
        CHECK(json::parse(b.action(0).result)["message_id"] == "m-1");
        w->stop();
    }
}

TEST_CASE("outbox: a create interrupted by a crash is looked up at the next start",
          "[daemon][outbox][integration]") {
    Bench b;
    b.worker->stop();
    store::NewAction a;
    a.idempotency_key = "L4:lead:12:task";
    a.entity_key = "lead:12";
    a.rule_id = "L4";
    a.kind = "task.add";
    a.payload = json{{"params", task_params()}, {"reason", "r"}}.dump();
    b.store.enqueue_actions({&a, 1});
    auto ready = b.store.next_ready(b.clock.now(), 1);
    REQUIRE(ready.size() == 1);
    b.store.mark_action_in_flight(ready[0].id);
    // The portal had created it before the crash.
    b.portal.tasks.push_back({7,
                              {{"TITLE", "[Регламент] Позвонить клиенту"},
                               {"DESCRIPTION", "[Регламент] Нет открытой задачи"},
                               {"XML_ID", "reglament:L4:lead:12:task"}}});

    daemon::PlanSettings settings;
    settings.marker = "[Регламент]";
    daemon::OutboxWorker restarted(b.runner.io, b.store, b.clock, *b.bitrix, nullptr, settings, {},
                                   b.outcomes.observer());
    CHECK(restarted.start() == 1);
    CHECK(b.outcomes.wait(1) == "done");
    CHECK(b.portal.task_count() == 1);
    CHECK(b.portal.count("tasks.task.add") == 0);
    CHECK(json::parse(b.action(0).result)["created_id"] == "7");
    restarted.stop();
}

TEST_CASE("outbox: lookup.duplicates answers the rule through the inbox",
          "[daemon][outbox][integration]") {
    Bench b;
    b.portal.add_lead(12, "2026-03-02T08:00:00+00:00");
    b.portal.add_lead(40, "2026-03-01T08:00:00+00:00");
    b.portal.duplicates = {{"LEAD", {"12", "40"}}};
    b.enqueue("lookup.duplicates",
              {{"entity_type", "lead"},
               {"entity_id", "12"},
               {"phones", {"79123456789"}},
               {"emails", {"a@b.ru"}}},
              "lookup");
    CHECK(b.outcomes.wait(1) == "done");
    CHECK(b.portal.count("crm.duplicate.findbycomm") == 2);
    auto events = b.store.next_pending(10);
    REQUIRE(events.size() == 1);
    CHECK(events[0].event.kind == "lookup.duplicates");
    CHECK(events[0].event.entity_key == "lead:12");
    auto result = json::parse(events[0].event.payload)["result"];
    CHECK(result == json{{"hits",
                          {{{"type", "lead"},
                            {"id", "40"},
                            {"title", "Лид 40"},
                            {"assigned_by_id", "7"},
                            {"assigned_name", "Иван Петров"}}}}});
    CHECK(b.portal.task_count() == 0);  // a lookup writes nothing to the portal
}

}  // namespace outbox_worker_test

namespace outbox_worker_test {

// Issue 19: a rotated webhook code used to fail every action for good.
TEST_CASE("outbox: a 401 makes the action wait, not fail, until resume()",
          "[daemon][outbox][integration][auth]") {
    Bench b;
    std::atomic<bool> rotated{true};
    b.portal.refuse = [&](const std::string&, int) -> std::optional<net::Response> {
        if (rotated)
            return net::Response::json(
                401, R"({"error":"NO_AUTH_FOUND","error_description":"Wrong authorization data"})");
        return std::nullopt;
    };
    b.enqueue("lead.update", {{"lead_id", 12}, {"fields", {{"STATUS_ID", "X"}}}}, "st");
    CHECK(b.outcomes.wait(1) == "retry");
    auto row = b.action(0);
    CHECK(row.status == store::ActionStatus::pending);
    CHECK(row.last_error.find("NO_AUTH_FOUND") != std::string::npos);
    CHECK(b.auth.is_rejected());
    CHECK(b.store.parked_actions(10).empty());
    CHECK(b.store.query_journal({}).empty());  // nothing failed, nothing journalled

    // Paused: a wake takes nothing while the credentials are rejected.
    b.worker->wake();
    std::this_thread::sleep_for(300ms);
    CHECK(b.outcomes.seen.size() == 1);

    rotated = false;  // the admin put the new secret in the config and reloaded
    b.worker->resume();
    CHECK(b.outcomes.wait(2) == "done");
    CHECK(b.action(1).status == store::ActionStatus::done);
    CHECK_FALSE(b.auth.is_rejected());
}

}  // namespace outbox_worker_test
