#include <catch2/catch.hpp>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace outbox_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

NewAction action(const std::string& key, const std::string& entity) {
    return {key, entity, "L4", "bitrix.task.add", R"({"TITLE":"Call the client"})", at_ms(1000)};
}

std::vector<std::string> keys(const std::vector<StoredAction>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions)
        out.push_back(a.action.idempotency_key);
    return out;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("outbox: an action with a known idempotency key is ignored", "[store][outbox]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<NewAction> batch = {action("a1", "lead:1"), action("a1", "lead:1")};
    CHECK(store.enqueue_actions(batch) == std::vector<bool>{true, false});
    CHECK(store.next_ready(at_ms(1000), 10).size() == 1);
}

TEST_CASE("outbox: an entity's later action waits for its earlier one", "[store][outbox]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<NewAction> batch = {action("A1", "lead:1"), action("A2", "lead:1"),
                                          action("B1", "lead:2"), action("A3", "lead:1")};
    store.enqueue_actions(batch);
    const auto now = at_ms(1000);

    auto ready = store.next_ready(now, 10);
    CHECK(keys(ready) == Keys{"A1", "B1"});
    CHECK(ready[0].action.payload == R"({"TITLE":"Call the client"})");
    CHECK(ready[0].status == ActionStatus::pending);
    const auto a1 = ready[0].id;
    const auto b1 = ready[1].id;

    // In flight still blocks: A2 must not overtake A1.
    store.mark_action_in_flight(a1);
    store.mark_action_in_flight(b1);
    CHECK(store.next_ready(now, 10).empty());

    const JournalEntry created{0,          at_ms(1200),         "L4", "lead:1", "bitrix.task.add",
                               "new lead", R"({"task_id":77})", false};
    store.mark_action_done(a1, R"({"task_id":77})", std::span(&created, 1));
    ready = store.next_ready(now, 10);
    CHECK(keys(ready) == Keys{"A2"});
    CHECK(store.get_action(a1)->result == R"({"task_id":77})");
    CHECK(store.get_action(a1)->attempts == 1);
    const auto journal = store.query_journal({.entity_key = "lead:1"});
    REQUIRE(journal.size() == 1);
    CHECK(journal[0].result == R"({"task_id":77})");

    // A failed action no longer blocks its successors.
    store.mark_action_failed(ready[0].id, "400 ACCESS_DENIED", {});
    CHECK(keys(store.next_ready(now, 10)) == Keys{"A3"});
    CHECK(store.metrics(now).outbox_failed == 1);
}

TEST_CASE("outbox: a retry waits for its time and keeps its successors waiting",
          "[store][outbox]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<NewAction> batch = {action("A1", "lead:1"), action("A2", "lead:1")};
    store.enqueue_actions(batch);
    const auto a1 = store.next_ready(at_ms(1000), 10).at(0).id;

    store.mark_action_in_flight(a1);
    store.retry_action_at(a1, at_ms(31000), "503 Service Unavailable");
    CHECK(store.next_ready(at_ms(30999), 10).empty());
    auto ready = store.next_ready(at_ms(31000), 10);
    REQUIRE(keys(ready) == Keys{"A1"});
    CHECK(ready[0].last_error == "503 Service Unavailable");
    CHECK(ready[0].next_attempt_at == at_ms(31000));
}

TEST_CASE("outbox: actions interrupted in flight come back as unknown, to be looked up",
          "[store][outbox]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    std::int64_t id = 0;
    {
        SqliteStore store(path);
        const std::vector<NewAction> batch = {action("A1", "lead:1"), action("A2", "lead:1")};
        store.enqueue_actions(batch);
        id = store.next_ready(at_ms(1000), 10).at(0).id;
        store.mark_action_in_flight(id);
    }  // the process "dies" with A1 sent but not confirmed
    SqliteStore store(path);
    CHECK(store.mark_interrupted_actions_unknown() == 1);
    auto ready = store.next_ready(at_ms(1000), 10);
    REQUIRE(ready.size() == 1);  // A2 still waits behind the unresolved A1
    CHECK(ready[0].id == id);
    CHECK(ready[0].status == ActionStatus::unknown);
    CHECK(store.metrics(at_ms(1000)).outbox_unknown == 1);

    store.mark_action_unknown(id, at_ms(5000), "lookup timed out");
    CHECK(store.next_ready(at_ms(4999), 10).empty());
    CHECK(store.next_ready(at_ms(5000), 10).at(0).status == ActionStatus::unknown);
}

TEST_CASE("outbox: moving an action that does not exist is an error, and journals nothing",
          "[store][outbox]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const JournalEntry line{0, at_ms(1), "L4", "lead:1", "bitrix.task.add", "", "", false};
    CHECK_THROWS_WITH(store.mark_action_failed(42, "timeout", std::span(&line, 1)),
                      Catch::Contains("no outbox action 42"));
    CHECK(store.query_journal({}).empty());
    CHECK_THROWS_WITH(store.mark_action_done(42, "{}", {}), Catch::Contains("no outbox action 42"));
}

}  // namespace outbox_test
