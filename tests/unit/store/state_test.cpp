#include <catch2/catch.hpp>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace state_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

TEST_CASE("snapshots: put replaces, listing by prefix streams matching rows in key order",
          "[store][snapshots]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    for (const auto* key : {"lead:2", "lead:10", "deal:1", "lead:1", "leads:1", "task:9"}) {
        store.put_snapshot({key, R"({"v":1})", at_ms(1000)});
    }
    store.put_snapshot({"lead:1", R"({"STATUS_ID":"IN_PROCESS"})", at_ms(2000)});
    const auto lead1 = store.get_snapshot("lead:1");
    REQUIRE(lead1);
    CHECK(lead1->json == R"({"STATUS_ID":"IN_PROCESS"})");
    CHECK(lead1->updated_at == at_ms(2000));
    CHECK_FALSE(store.get_snapshot("lead:3"));

    std::vector<std::string> seen;
    store.for_each_snapshot("lead:", [&](const Snapshot& s) {
        seen.push_back(s.entity_key);
        // A visitor may read the store while the scan is open (a sweep reads rule state).
        CHECK(store.get_snapshot(s.entity_key).has_value());
    });
    CHECK(seen == std::vector<std::string>{"lead:1", "lead:10", "lead:2"});

    int all = 0;
    store.for_each_snapshot("", [&](const Snapshot&) { ++all; });
    CHECK(all == 6);
}

TEST_CASE("snapshots: a sweep reads only open ones — closed ones are forgotten after their time",
          "[store][snapshots][retention]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    store.put_snapshot({"lead:1", R"({"v":1})", at_ms(1000), {{"lead.phone", "7916"}}, true});
    store.put_snapshot({"lead:2", R"({"v":2})", at_ms(1000), {{"lead.phone", "7916"}}, false});
    store.put_snapshot({"lead:3", R"({"v":3})", at_ms(5000), {}, false});
    store.put_snapshot({"task:4", R"({"v":4})", at_ms(1000), {}, false});
    store.put_snapshot({"deal:5", R"({"v":5})", at_ms(1000), {}, true});

    std::vector<std::string> swept;
    for (const char* prefix : {"lead:", "deal:", "task:"})
        store.for_each_open_snapshot(prefix, [&](const Snapshot& s) {
            swept.push_back(s.entity_key);
            CHECK(s.json.size() > 2);
        });
    CHECK(swept == std::vector<std::string>{"lead:1", "deal:5"});
    CHECK_FALSE(store.get_snapshot("lead:2")->open);

    // A closed lead that opens again is swept again.
    store.put_snapshot({"lead:3", R"({"v":3})", at_ms(6000), {}, true});
    swept.clear();
    store.for_each_open_snapshot("lead:",
                                 [&](const Snapshot& s) { swept.push_back(s.entity_key); });
    CHECK(swept == std::vector<std::string>{"lead:1", "lead:3"});

    // Retention: closed and unchanged before 2000 → lead:2, task:4, oldest first, in chunks.
    CHECK(store.prune_closed_snapshots(at_ms(2000), 1) == 1);
    CHECK(store.prune_closed_snapshots(at_ms(2000), 10) == 1);
    CHECK(store.prune_closed_snapshots(at_ms(2000), 10) == 0);
    CHECK_FALSE(store.get_snapshot("lead:2"));
    CHECK_FALSE(store.get_snapshot("task:4"));
    CHECK(store.get_snapshot("lead:1"));
    CHECK(store.get_snapshot("deal:5"));  // open: kept however old
    CHECK(store.was_forgotten("lead:2"));
    CHECK(store.was_forgotten("task:4"));
    CHECK_FALSE(store.was_forgotten("lead:1"));
    CHECK_FALSE(store.was_forgotten("lead:99"));
    // Its lookup terms went with it.
    auto by_phone = store.find_snapshots("lead.phone", "7916");
    REQUIRE(by_phone.size() == 1);
    CHECK(by_phone[0].entity_key == "lead:1");
}

TEST_CASE("kv: marks of sent messages and dry-run decisions expire, other keys never",
          "[store][retention]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    store.put_kv("wazzup.sent:old", R"({"entity_key":"lead:1","rule_id":"C1","at":1000})");
    store.put_kv("wazzup.sent:new", R"({"entity_key":"lead:1","rule_id":"C1","at":9000})");
    store.put_kv("wazzup.sent:timeless", R"({"entity_key":"lead:1"})");
    store.put_kv("dry-run:H1:lead:1:gap1", "1000");
    store.put_kv("dry-run:H1:lead:2:gap1", "9000");
    store.put_kv("poller:last_success", "1");
    store.put_kv("engine:last_sweep", "1");
    store.put_kv("oauth:refresh_token", "0");

    CHECK(store.prune_marks(at_ms(5000), 2) == 2);
    CHECK(store.prune_marks(at_ms(5000), 2) == 1);
    CHECK(store.prune_marks(at_ms(5000), 2) == 0);
    CHECK_FALSE(store.get_kv("wazzup.sent:old"));
    CHECK_FALSE(store.get_kv("wazzup.sent:timeless"));
    CHECK_FALSE(store.get_kv("dry-run:H1:lead:1:gap1"));
    CHECK(store.get_kv("wazzup.sent:new"));
    CHECK(store.get_kv("dry-run:H1:lead:2:gap1"));
    CHECK(store.get_kv("poller:last_success"));
    CHECK(store.get_kv("engine:last_sweep"));
    CHECK(store.get_kv("oauth:refresh_token"));
}

TEST_CASE("rule state and kv: written values read back, replaced by later writes", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    CHECK_FALSE(store.get_rule_state("C1", "deal:1"));
    store.put_rule_state({"C1", "deal:1", R"({"step":1})", at_ms(1000)});
    store.put_rule_state({"C1", "deal:1", R"({"step":2})", at_ms(2000)});
    store.put_rule_state({"C2", "deal:1", R"({"step":9})", at_ms(2000)});
    CHECK(store.get_rule_state("C1", "deal:1")->json == R"({"step":2})");
    CHECK(store.get_rule_state("C2", "deal:1")->json == R"({"step":9})");

    CHECK_FALSE(store.get_kv("round_robin.position"));
    store.put_kv("round_robin.position", "3");
    store.put_kv("round_robin.position", "4");
    CHECK(store.get_kv("round_robin.position") == "4");
}

namespace {

// An event, a timer and a rule state as the engine finds them before one step.
std::int64_t prepare_lead(SqliteStore& store) {
    const std::vector<InboxEvent> events = {
        {"bitrix", "b:1", "lead:1", "ONCRMLEADADD", "{}", at_ms(1000)}};
    const auto event_id = store.append_events(events)[0].id;
    store.upsert_timer({"H1", "lead:1", "old", at_ms(9000), ""});
    store.put_rule_state({"H1", "lead:1", "{}", at_ms(1000)});
    return event_id;
}

EngineCommit step_for(std::int64_t event_id) {
    EngineCommit work;
    work.done_event_ids = {event_id};
    work.snapshots = {{"lead:1", R"({"STATUS_ID":"NEW"})", at_ms(1500)}};
    work.rule_states = {{"L4", "lead:1", R"({"called":false})", at_ms(1500)}};
    work.rule_state_erases = {{"H1", "lead:1"}};
    work.timer_upserts = {{"L4", "lead:1", "first-call", at_ms(601500), ""}};
    work.timer_cancels = {{"H1", "lead:1", "old"}};
    work.outbox_actions = {
        {"L4:lead:1:task", "lead:1", "L4", "bitrix.task.add", "{}", at_ms(1500)}};
    work.journal_entries = {
        {0, at_ms(1500), "L4", "lead:1", "bitrix.task.add", "new lead", "", false}};
    work.kv_puts = {{"poll.lead", "1500"}};
    return work;
}

}  // namespace

TEST_CASE("engine commit: everything of one step is stored together", "[store][commit]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    {
        SqliteStore store(path);
        store.commit(step_for(prepare_lead(store)));
    }
    SqliteStore store(path);  // read back from the file
    CHECK(store.next_pending(10).empty());
    CHECK(store.get_snapshot("lead:1")->json == R"({"STATUS_ID":"NEW"})");
    CHECK(store.get_rule_state("L4", "lead:1")->json == R"({"called":false})");
    CHECK_FALSE(store.get_rule_state("H1", "lead:1"));
    CHECK(store.timer_count() == 1);
    CHECK(store.earliest_due() == at_ms(601500));
    const auto ready = store.next_ready(at_ms(1500), 10);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].action.idempotency_key == "L4:lead:1:task");
    CHECK(store.query_journal({.entity_key = "lead:1"}).size() == 1);
    CHECK(store.get_kv("poll.lead") == "1500");
}

TEST_CASE("engine commit: a failure half-way leaves nothing of the step", "[store][commit]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const auto event_id = prepare_lead(store);
    auto work = step_for(event_id);
    // Invalid, and written after the actions and timers: they must be rolled back.
    work.snapshots.push_back({"", "{}", at_ms(1500)});
    CHECK_THROWS_WITH(store.commit(work), Catch::Contains("snapshot entity_key is empty"));

    CHECK(store.next_pending(10).size() == 1);  // the event will be processed again
    CHECK_FALSE(store.get_snapshot("lead:1"));
    CHECK(store.get_rule_state("H1", "lead:1"));
    CHECK_FALSE(store.get_rule_state("L4", "lead:1"));
    CHECK(store.earliest_due() == at_ms(9000));
    CHECK(store.next_ready(at_ms(1500), 10).empty());
    CHECK(store.query_journal({}).empty());
    CHECK_FALSE(store.get_kv("poll.lead"));
}

TEST_CASE("metrics: counts and ages of what is waiting", "[store][metrics]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    auto m = store.metrics(at_ms(0));
    CHECK(m.inbox_pending == 0);
    CHECK_FALSE(m.inbox_oldest_pending_age);
    CHECK_FALSE(m.earliest_timer);

    const std::vector<InboxEvent> events = {
        {"bitrix", "b:1", "lead:1", "ONCRMLEADADD", "{}", at_ms(1000)},
        {"bitrix", "b:2", "lead:2", "ONCRMLEADADD", "{}", at_ms(4000)}};
    store.append_events(events);
    const std::vector<NewAction> actions = {
        {"x1", "lead:1", "L4", "bitrix.task.add", "{}", at_ms(2000)},
        {"x2", "lead:1", "L4", "bitrix.task.add", "{}", at_ms(3000)}};
    store.enqueue_actions(actions);
    store.mark_action_done(store.next_ready(at_ms(3000), 1).at(0).id, "{}", {});
    store.upsert_timer({"L4", "lead:1", "p", at_ms(7000), ""});

    m = store.metrics(at_ms(10000));
    CHECK(m.inbox_pending == 2);
    CHECK(m.inbox_oldest_pending_age == std::chrono::milliseconds(9000));
    CHECK(m.outbox_open == 1);
    CHECK(m.outbox_oldest_open_age == std::chrono::milliseconds(7000));
    CHECK(m.timers == 1);
    CHECK(m.earliest_timer == at_ms(7000));
}

TEST_CASE("snapshots: lookup terms find entities and follow their snapshot", "[store][snapshots]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    auto keys_of = [](const std::vector<Snapshot>& found) {
        std::vector<std::string> keys;
        for (const auto& s : found)
            keys.push_back(s.entity_key);
        return keys;
    };
    using Keys = std::vector<std::string>;

    store.put_snapshot({"task:77", R"({"TITLE":"Call"})", at_ms(1000), {{"task.binding", "L_1"}}});
    store.put_snapshot({"task:78", "{}", at_ms(1000), {{"task.binding", "L_1"}}});
    store.put_snapshot({"task:79", "{}", at_ms(1000), {{"task.binding", "L_2"}}});
    store.put_snapshot({"lead:1",
                        "{}",
                        at_ms(1000),
                        {{"lead.phone", "79160000001"}, {"lead.phone", "74950000001"}}});

    const auto bound = store.find_snapshots("task.binding", "L_1");
    CHECK(keys_of(bound) == Keys{"task:77", "task:78"});
    CHECK(bound[0].json == R"({"TITLE":"Call"})");
    CHECK(keys_of(store.find_snapshots("lead.phone", "74950000001")) == Keys{"lead:1"});
    CHECK(store.find_snapshots("lead.phone", "task:77").empty());

    // A new snapshot brings its own terms: the old phone no longer finds the lead.
    store.put_snapshot({"lead:1", "{}", at_ms(2000), {{"lead.phone", "79169999999"}}});
    CHECK(store.find_snapshots("lead.phone", "79160000001").empty());
    CHECK(keys_of(store.find_snapshots("lead.phone", "79169999999")) == Keys{"lead:1"});

    // A task closed and forgotten is no longer bound to anything.
    store.erase_snapshot("task:77");
    CHECK_FALSE(store.get_snapshot("task:77"));
    CHECK(keys_of(store.find_snapshots("task.binding", "L_1")) == Keys{"task:78"});
    EngineCommit work;
    work.snapshot_erases = {"task:78"};
    store.commit(work);
    CHECK(store.find_snapshots("task.binding", "L_1").empty());
}

}  // namespace state_test
