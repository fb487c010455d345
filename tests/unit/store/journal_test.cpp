#include <catch2/catch.hpp>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace journal_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

JournalEntry entry(std::int64_t ms, const std::string& rule, const std::string& entity,
                   bool dry_run = false) {
    return {0,
            at_ms(ms),
            rule,
            entity,
            "bitrix.task.add",
            "no open task for 10 working minutes",
            "created task 77",
            dry_run};
}

}  // namespace

TEST_CASE("journal: a query returns exactly what was written", "[store][journal]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const JournalEntry written{0,
                               at_ms(1764064800123),
                               "L4",
                               "lead:123",
                               "wazzup.message",
                               "Клиент не ответил 2 дня — «напоминание» \"v2\"\nline two",
                               R"({"messageId":"f7c1","status":"sent"})",
                               true};
    store.append_journal(std::span(&written, 1));
    const auto rows = store.query_journal({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id > 0);
    CHECK(rows[0].time == written.time);
    CHECK(rows[0].rule_id == written.rule_id);
    CHECK(rows[0].entity_key == written.entity_key);
    CHECK(rows[0].action == written.action);
    CHECK(rows[0].reason == written.reason);
    CHECK(rows[0].result == written.result);
    CHECK(rows[0].dry_run);
}

TEST_CASE("journal: filters by entity, rule and time, oldest first, limited", "[store][journal]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    const std::vector<JournalEntry> entries = {
        entry(3000, "L4", "lead:1"), entry(1000, "L4", "lead:1"), entry(2000, "H1", "lead:1"),
        entry(4000, "L4", "lead:2"), entry(5000, "H1", "lead:2")};
    store.append_journal(entries);

    auto times = [](const std::vector<JournalEntry>& rows) {
        std::vector<std::int64_t> out;
        for (const auto& r : rows)
            out.push_back(r.time.time_since_epoch().count());
        return out;
    };
    using Times = std::vector<std::int64_t>;

    CHECK(times(store.query_journal({})) == Times{1000, 2000, 3000, 4000, 5000});
    CHECK(times(store.query_journal({.entity_key = "lead:1"})) == Times{1000, 2000, 3000});
    CHECK(times(store.query_journal({.rule_id = "H1"})) == Times{2000, 5000});
    CHECK(times(store.query_journal({.since = at_ms(3000)})) == Times{3000, 4000, 5000});
    CHECK(times(store.query_journal({.entity_key = "lead:2", .rule_id = "L4"})) == Times{4000});
    CHECK(times(store.query_journal(
              {.entity_key = "lead:1", .rule_id = "L4", .since = at_ms(2000)})) == Times{3000});
    CHECK(times(store.query_journal({.limit = 2})) == Times{1000, 2000});
    CHECK(store.query_journal({.entity_key = "lead:404"}).empty());
}

TEST_CASE("journal: pruning deletes lines before a time, oldest first, in chunks",
          "[store][journal]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    // Written out of time order: a line's time is when its action finished.
    const std::vector<JournalEntry> entries = {
        entry(3000, "L4", "lead:1"), entry(1000, "L4", "lead:1"), entry(2000, "H1", "lead:1"),
        entry(4000, "L4", "lead:2"), entry(5000, "H1", "lead:2")};
    store.append_journal(entries);
    auto times = [&] {
        std::vector<std::int64_t> out;
        for (const auto& r : store.query_journal({}))
            out.push_back(r.time.time_since_epoch().count());
        return out;
    };
    using Times = std::vector<std::int64_t>;

    CHECK(store.prune_journal(at_ms(4000), 2) == 2);
    CHECK(times() == Times{3000, 4000, 5000});
    CHECK(store.prune_journal(at_ms(4000), 2) == 1);
    CHECK(store.prune_journal(at_ms(4000), 2) == 0);
    CHECK(times() == Times{4000, 5000});
}

}  // namespace journal_test
