#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace timers_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

TEST_CASE("timers: re-arming replaces, cancelling deletes", "[store][timers]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    CHECK_FALSE(store.earliest_due().has_value());

    store.upsert_timer({"L4", "lead:1", "first-call", at_ms(5000), R"({"step":1})"});
    store.upsert_timer({"L4", "lead:2", "first-call", at_ms(7000), ""});
    CHECK(store.timer_count() == 2);
    CHECK(store.earliest_due() == at_ms(5000));

    // Same (rule, entity, purpose): the deadline moves, no second timer appears.
    store.upsert_timer({"L4", "lead:1", "first-call", at_ms(9000), R"({"step":2})"});
    CHECK(store.timer_count() == 2);
    CHECK(store.earliest_due() == at_ms(7000));

    CHECK(store.cancel_timer({"L4", "lead:2", "first-call"}));
    CHECK_FALSE(store.cancel_timer({"L4", "lead:2", "first-call"}));
    CHECK(store.timer_count() == 1);

    const auto fired = store.take_due(at_ms(10000), 10);
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].timer.payload == R"({"step":2})");
    CHECK(fired[0].timer.due_at == at_ms(9000));
}

TEST_CASE("timers: take_due takes a bounded batch, earliest first, into the inbox",
          "[store][timers]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    for (int i = 0; i < 25; ++i) {
        store.upsert_timer({"C1", "deal:" + std::to_string(i), "cadence",
                            at_ms(1000 + 100 * (24 - i)), R"({"n":)" + std::to_string(i) + "}"});
    }
    store.upsert_timer({"C1", "deal:99", "cadence", at_ms(60000), ""});  // not due yet

    const auto first = store.take_due(at_ms(10000), 10);
    REQUIRE(first.size() == 10);
    CHECK(first[0].timer.entity_key == "deal:24");  // due at 1000, the earliest
    CHECK(first[9].timer.entity_key == "deal:15");
    CHECK(store.timer_count() == 16);

    // Each fired timer is now an inbox event carrying what the rule needs.
    const auto events = store.next_pending(100);
    REQUIRE(events.size() == 10);
    CHECK(events[0].id == first[0].event_id);
    CHECK(events[0].event.source == "timer");
    CHECK(events[0].event.entity_key == "deal:24");
    const auto body = nlohmann::json::parse(events[0].event.payload);
    CHECK(body["rule_id"] == "C1");
    CHECK(body["purpose"] == "cadence");
    CHECK(body["due_at"] == 1000);
    CHECK(body["payload"]["n"] == 24);

    CHECK(store.take_due(at_ms(10000), 100).size() == 15);
    CHECK(store.take_due(at_ms(10000), 100).empty());
    CHECK(store.timer_count() == 1);
    CHECK(store.earliest_due() == at_ms(60000));
}

TEST_CASE("timers: a timer armed again after firing fires again", "[store][timers]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    store.upsert_timer({"H1", "lead:5", "sweep", at_ms(1000), ""});
    REQUIRE(store.take_due(at_ms(1000), 10).size() == 1);
    store.upsert_timer({"H1", "lead:5", "sweep", at_ms(1000), ""});
    REQUIRE(store.take_due(at_ms(1000), 10).size() == 1);
    // Two firings, two events: the second is not mistaken for a duplicate of the first.
    CHECK(store.next_pending(10).size() == 2);
}

}  // namespace timers_test
