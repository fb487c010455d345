#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>

#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace store_open_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

void set_schema_version(const std::filesystem::path& path, int version) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const std::string sql =
        "INSERT INTO schema_version (version) VALUES (" + std::to_string(version) + ")";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

}  // namespace

TEST_CASE("store: a fresh file is migrated to the latest schema and reopens with its data",
          "[store]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    {
        SqliteStore store(path);
        CHECK(store.schema_version() == SqliteStore::latest_schema_version());
        CHECK(SqliteStore::latest_schema_version() >= 1);
        // WAL mode: the write-ahead log sits beside the database while it is open.
        store.put_kv("poll.lead.watermark", "2026-11-25T10:00:00+03:00");
        CHECK(std::filesystem::exists(path.string() + "-wal"));
    }
    SqliteStore reopened(path);
    CHECK(reopened.schema_version() == SqliteStore::latest_schema_version());
    CHECK(reopened.get_kv("poll.lead.watermark") == "2026-11-25T10:00:00+03:00");
}

TEST_CASE("store: a file of schema version 1 gets the done-events index and keeps its rows",
          "[store]") {
    TempDir dir;
    const auto path = dir.file("v1.db");
    {
        SqliteStore store(path);
        const std::vector<InboxEvent> events = {
            {"bitrix", "b:1", "lead:1", "ONCRMLEADADD", "{}", at_ms(1000)}};
        const std::vector<std::int64_t> ids = {store.append_events(events)[0].id};
        store.mark_events_done(ids);
    }
    {
        // Back to what a version 1 reglamentd left behind.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        REQUIRE(
            sqlite3_exec(
                db,
                "DROP INDEX inbox_held; DROP INDEX outbox_entity; DROP INDEX inbox_done; DROP "
                "INDEX snapshots_open; "
                "DROP INDEX snapshots_closed; DROP TABLE forgotten_snapshots; "
                "ALTER TABLE snapshots DROP COLUMN open; ALTER TABLE inbox DROP COLUMN last_error; "
                "ALTER TABLE inbox DROP COLUMN not_before; "
                "DELETE FROM schema_version WHERE version > 1",
                nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    SqliteStore store(path);
    CHECK(store.schema_version() == SqliteStore::latest_schema_version());
    CHECK(store.prune_done_events(at_ms(2000), 10) == 1);
}

TEST_CASE("store: a version 2 file is migrated: closed snapshots known, marks stamped",
          "[store][retention]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    { SqliteStore store(path); }
    {
        // Back to what a version 2 reglamentd left behind, with its history.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db,
                             "DROP INDEX inbox_held; DROP INDEX outbox_entity; DROP INDEX "
                             "snapshots_open; DROP INDEX snapshots_closed; "
                             "DROP TABLE forgotten_snapshots; "
                             "ALTER TABLE snapshots DROP COLUMN open; "
                             "ALTER TABLE inbox DROP COLUMN last_error; "
                             "ALTER TABLE inbox DROP COLUMN not_before; "
                             "DELETE FROM schema_version WHERE version > 2; "
                             "INSERT INTO snapshots (entity_key, json, updated_at) VALUES "
                             "('lead:1', '{\"status_semantic\":\"S\"}', 1), "
                             "('lead:2', '{\"status_semantic\":\"P\"}', 1), "
                             "('lead:3', '{\"status_semantic\":\"F\"}', 1), "
                             "('deal:4', '{\"closed\":true}', 1), "
                             "('deal:5', '{\"closed\":false}', 1), "
                             "('task:6', '{\"status\":5}', 1), "
                             "('task:7', '{\"status\":4}', 1), "
                             "('call:8', '{\"status\":5}', 1); "
                             "INSERT INTO kv (key, value) VALUES ('dry-run:H1:lead:2:gap1', '1'), "
                             "('wazzup.sent:m1', '{\"entity_key\":\"lead:2\"}'), "
                             "('poller:watermark', '1')",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    SqliteStore store(path);
    CHECK(store.schema_version() == SqliteStore::latest_schema_version());
    std::vector<std::string> open;
    for (const char* prefix : {"lead:", "deal:", "task:", "call:"})
        store.for_each_open_snapshot(prefix,
                                     [&](const Snapshot& s) { open.push_back(s.entity_key); });
    CHECK(open == std::vector<std::string>{"lead:2", "deal:5", "task:7", "call:8"});
    // The marks count from the migration, not from the epoch: none is due yet.
    const auto year_2020 = at_ms(1'577'836'800'000);
    CHECK(store.prune_marks(year_2020, 10) == 0);
    CHECK(std::stoll(*store.get_kv("dry-run:H1:lead:2:gap1")) > 1'577'836'800'000);
    CHECK_THAT(*store.get_kv("wazzup.sent:m1"), Catch::Contains("\"at\":"));
    CHECK(store.get_kv("poller:watermark") == "1");
}

TEST_CASE("store: a file from a newer reglamentd is refused, naming the file", "[store]") {
    TempDir dir;
    const auto path = dir.file("newer.db");
    { SqliteStore store(path); }
    set_schema_version(path, SqliteStore::latest_schema_version() + 1);
    CHECK_THROWS_WITH(SqliteStore(path), Catch::Contains(path.string()) &&
                                             Catch::Contains("newer than this reglamentd"));
}

TEST_CASE("store: a file that is not a database is refused, naming the file", "[store]") {
    TempDir dir;
    const auto path = dir.file("garbage.db");
    std::ofstream(path) << std::string(8192, 'x');
    CHECK_THROWS_AS(SqliteStore(path), StoreError);
    CHECK_THROWS_WITH(SqliteStore(path), Catch::Contains(path.string()));
}

TEST_CASE("store: a second writer on the same file is refused", "[store]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    SqliteStore first(path);
    CHECK_THROWS_WITH(SqliteStore(path), Catch::Contains("already opened for writing"));
}

TEST_CASE("store: a read-only store reads beside the writer and refuses writes", "[store]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    CHECK_THROWS_WITH(SqliteStore(path, {.read_only = true}), Catch::Contains("no such"));

    auto writer = std::make_unique<SqliteStore>(path);
    const JournalEntry entry{0,          at_ms(1000),    "H1", "lead:1",
                             "task.add", "no open task", "ok", false};
    writer->append_journal(std::span(&entry, 1));

    SqliteStore reader(path, {.read_only = true});
    const auto rows = reader.query_journal({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].action == "task.add");
    CHECK_THROWS_WITH(reader.put_kv("k", "v"), Catch::Contains("read-only"));

    writer.reset();  // the daemon stopped: the journal can still be read
    SqliteStore later(path, {.read_only = true});
    CHECK(later.query_journal({.entity_key = "lead:1"}).size() == 1);
}

}  // namespace store_open_test
