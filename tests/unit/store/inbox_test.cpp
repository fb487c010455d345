#include <catch2/catch.hpp>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace inbox_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

InboxEvent lead_event(const std::string& dedup, int lead, std::int64_t ms = 1000) {
    return {"bitrix",
            dedup,
            "lead:" + std::to_string(lead),
            "ONCRMLEADUPDATE",
            R"({"ID":")" + std::to_string(lead) + R"("})",
            at_ms(ms)};
}

}  // namespace

TEST_CASE("inbox: a repeated event is stored once and reported as a duplicate", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));

    const std::vector<InboxEvent> first = {lead_event("b:1", 1), lead_event("b:2", 2),
                                           lead_event("b:1", 1)};  // repeated inside the batch
    const auto results = store.append_events(first);
    REQUIRE(results.size() == 3);
    CHECK(results[0].outcome == AppendOutcome::inserted);
    CHECK(results[1].outcome == AppendOutcome::inserted);
    CHECK(results[2].outcome == AppendOutcome::duplicate);
    CHECK(results[1].id > results[0].id);

    const std::vector<InboxEvent> again = {lead_event("b:2", 2)};
    CHECK(store.append_events(again)[0].outcome == AppendOutcome::duplicate);
    CHECK(store.next_pending(100).size() == 2);
}

TEST_CASE("inbox: pending events come oldest first and leave once done", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    std::vector<InboxEvent> events;
    for (int i = 0; i < 5; ++i)
        events.push_back(lead_event("b:" + std::to_string(i), i % 2));
    store.append_events(events);

    auto pending = store.next_pending(3);
    REQUIRE(pending.size() == 3);
    CHECK(pending[0].event.dedup_key == "b:0");
    CHECK(pending[2].event.dedup_key == "b:2");
    CHECK(pending[1].event.entity_key == "lead:1");
    CHECK(pending[1].event.payload == R"({"ID":"1"})");
    CHECK(pending[1].event.received_at == at_ms(1000));

    const std::vector<std::int64_t> done = {pending[0].id, pending[1].id};
    store.mark_events_done(done);
    pending = store.next_pending(10);
    REQUIRE(pending.size() == 3);
    CHECK(pending[0].event.dedup_key == "b:2");
}

TEST_CASE("inbox: failures are counted and a given-up event stops being pending", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("b:1", 1)};
    const auto id = store.append_events(events)[0].id;

    store.record_event_failure(id, false);
    auto pending = store.next_pending(10);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].attempts == 1);

    store.record_event_failure(id, true);
    CHECK(store.next_pending(10).empty());
    CHECK(store.metrics(at_ms(2000)).inbox_failed == 1);
}

TEST_CASE("inbox: pruning forgets old done events only", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("old-done", 1, 1000),
                                            lead_event("old-pending", 2, 1000),
                                            lead_event("new-done", 3, 9000)};
    const auto ids = store.append_events(events);
    const std::vector<std::int64_t> done = {ids[0].id, ids[2].id};
    store.mark_events_done(done);

    CHECK(store.prune_done_events(at_ms(5000), 100) == 1);
    // The pruned key is forgotten; the others still deduplicate.
    const std::vector<InboxEvent> again = {lead_event("old-done", 1), lead_event("new-done", 3),
                                           lead_event("old-pending", 2)};
    const auto results = store.append_events(again);
    CHECK(results[0].outcome == AppendOutcome::inserted);
    CHECK(results[1].outcome == AppendOutcome::duplicate);
    CHECK(results[2].outcome == AppendOutcome::duplicate);
}

TEST_CASE("inbox: pruning goes oldest first in chunks and never takes pending or failed events",
          "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    // Received out of id order, as a redelivered or polled event can be: the chunk follows
    // received_at, not the id.
    std::vector<InboxEvent> events;
    for (int i = 0; i < 7; ++i)
        events.push_back(lead_event("done-" + std::to_string(i), i, 7000 - i * 1000));
    events.push_back(lead_event("old-pending", 20, 100));
    events.push_back(lead_event("old-failed", 21, 100));
    events.push_back(lead_event("recent-done", 22, 50000));
    const auto appended = store.append_events(events);
    std::vector<std::int64_t> done;
    for (int i = 0; i < 7; ++i)
        done.push_back(appended[static_cast<std::size_t>(i)].id);
    done.push_back(appended[9].id);
    store.mark_events_done(done);
    store.record_event_failure(appended[8].id, true);

    // done-0 … done-6 were received at 7000 … 1000 ms; the cutoff keeps done-0 (7000).
    CHECK(store.prune_done_events(at_ms(6500), 4) == 4);
    auto stored = [&](const std::string& key) {
        // A duplicate means the key is still stored. A probe that was not is kept, done and
        // too recent for any cutoff here, out of the counts that follow.
        const std::vector<InboxEvent> probe = {lead_event(key, 99, 1000000)};
        const auto r = store.append_events(probe)[0];
        if (r.outcome == AppendOutcome::duplicate) return true;
        const std::vector<std::int64_t> ids = {r.id};
        store.mark_events_done(ids);
        return false;
    };
    // The four oldest went first.
    CHECK_FALSE(stored("done-6"));
    CHECK_FALSE(stored("done-3"));
    CHECK(stored("done-2"));
    CHECK(stored("done-1"));
    CHECK(store.prune_done_events(at_ms(6500), 4) == 2);
    CHECK(store.prune_done_events(at_ms(6500), 4) == 0);
    CHECK_FALSE(stored("done-1"));
    CHECK(stored("done-0"));
    CHECK(stored("recent-done"));
    // Pending and failed events stay however old: they are work not done yet, or the admin's
    // to look at.
    CHECK(stored("old-pending"));
    CHECK(stored("old-failed"));
    CHECK(store.next_pending(10).size() == 1);
    CHECK(store.metrics(at_ms(60000)).inbox_failed == 1);
}

TEST_CASE("inbox: an event without a dedup key is refused", "[store]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("b:1", 1), lead_event("", 2)};
    CHECK_THROWS_WITH(store.append_events(events), Catch::Contains("dedup_key is empty"));
    // The batch is one transaction: the good event was not kept either.
    CHECK(store.next_pending(10).empty());
}

}  // namespace inbox_test

namespace inbox_test {

TEST_CASE("inbox: a failed attempt waits its own backoff, other events are taken meanwhile",
          "[store][poison]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("b:1", 1), lead_event("b:2", 2)};
    const auto ids = store.append_events(events);

    EventFailure f;
    f.id = ids[0].id;
    f.count_attempt = false;  // an outage: no attempt counted
    f.reason = "TIMEOUT";
    f.retry_at = at_ms(5000);
    CHECK_FALSE(store.has_held_events());
    store.record_event_failures({&f, 1}, {});
    // Held from its failure until it is done, also once its backoff has passed (it is being
    // tried again): timers wait for it.
    CHECK(store.has_held_events());

    auto ready = store.next_pending(10, at_ms(4999));
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].id == ids[1].id);
    ready = store.next_pending(10, at_ms(5000));
    REQUIRE(ready.size() == 2);
    CHECK(ready[0].attempts == 0);
    CHECK(ready[0].last_error == "TIMEOUT");
    CHECK(store.next_pending(10).size() == 2);  // without a time: every pending event
    const std::vector<std::int64_t> done = {ids[0].id};
    store.mark_events_done(done);
    CHECK_FALSE(store.has_held_events());
}

TEST_CASE("inbox: a parked event keeps its reason and journal line until it is requeued",
          "[store][poison]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("b:1", 1), lead_event("b:2", 2)};
    const auto ids = store.append_events(events);

    EventFailure f;
    f.id = ids[0].id;
    f.give_up = true;
    f.reason = "INVALID_ARG_VALUE (HTTP 400): Parameter 'id' must be an integer";
    JournalEntry line;
    line.time = at_ms(3000);
    line.rule_id = "engine";
    line.entity_key = "lead:1";
    line.action = "event.parked";
    line.result = "failed: " + f.reason;
    store.record_event_failures({&f, 1}, {&line, 1});

    auto parked = store.parked_events(10);
    REQUIRE(parked.size() == 1);
    CHECK(parked[0].id == ids[0].id);
    CHECK(parked[0].attempts == 1);
    CHECK(parked[0].last_error == f.reason);
    CHECK(store.query_journal({}).size() == 1);
    CHECK(store.next_pending(10, at_ms(1'000'000)).size() == 1);

    CHECK(store.requeue_events(ids[1].id) == 0);  // not parked
    CHECK(store.requeue_events(std::nullopt) == 1);
    CHECK(store.parked_events(10).empty());
    auto pending = store.next_pending(10, at_ms(0));
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].attempts == 0);
}

TEST_CASE("inbox: requeue works beside the daemon's open store, without its lock",
          "[store][poison]") {
    TempDir dir;
    SqliteStore daemon(dir.file("state.db"));
    const std::vector<InboxEvent> events = {lead_event("b:1", 1)};
    const auto id = daemon.append_events(events)[0].id;
    daemon.record_event_failure(id, true);
    NewAction a{"k1", "lead:1", "L1", "bitrix.lead.update", "{}", at_ms(1000)};
    daemon.enqueue_actions({&a, 1});
    auto action = daemon.next_ready(at_ms(1000), 1).at(0);
    daemon.mark_action_in_flight(action.id);
    daemon.mark_action_failed(action.id, "ACCESS_DENIED (HTTP 403)", {});
    CHECK(daemon.parked_actions(10).at(0).last_error == "ACCESS_DENIED (HTTP 403)");

    SqliteOptions o;
    o.beside_daemon = true;
    SqliteStore admin(dir.file("state.db"), o);
    CHECK(admin.requeue_events(id) == 1);
    CHECK(admin.requeue_actions(std::nullopt) == 1);
    CHECK(daemon.next_pending(10).size() == 1);
    auto ready = daemon.next_ready(at_ms(0), 10);  // due at once, whatever the daemon's clock
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].attempts == 1);  // kept: a create is looked up before it is repeated
}

}  // namespace inbox_test
