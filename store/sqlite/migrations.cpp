#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

#include "store/store_error.hpp"

namespace reglament::store::sqlite {
namespace {

// Times are INTEGER milliseconds since the Unix epoch (UTC). JSON columns are TEXT.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    dedup_key   TEXT NOT NULL UNIQUE,
    entity_key  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_pending ON inbox (id) WHERE status = 'pending';
CREATE INDEX inbox_failed ON inbox (id) WHERE status = 'failed';

CREATE TABLE snapshots (
    entity_key TEXT PRIMARY KEY,
    json       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Lookup terms of snapshots; deleting a snapshot deletes its terms (foreign_keys is on).
CREATE TABLE snapshot_terms (
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    entity_key TEXT NOT NULL REFERENCES snapshots (entity_key) ON DELETE CASCADE,
    PRIMARY KEY (name, value, entity_key)
) WITHOUT ROWID;
CREATE INDEX snapshot_terms_entity ON snapshot_terms (entity_key);

CREATE TABLE rule_state (
    rule_id    TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    json       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, entity_key)
) WITHOUT ROWID;

CREATE TABLE timers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id    TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    due_at     INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    UNIQUE (rule_id, entity_key, purpose)
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    entity_key      TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in_flight', 'done', 'failed', 'unknown')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    result          TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
-- Open actions per entity: the "does an earlier action still block this one" probe.
CREATE INDEX outbox_open ON outbox (entity_key, id)
    WHERE status IN ('pending', 'in_flight', 'unknown');
-- Actions the worker may pick up.
CREATE INDEX outbox_runnable ON outbox (next_attempt_at)
    WHERE status IN ('pending', 'unknown');
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

CREATE TABLE journal (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    rule_id    TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    result     TEXT NOT NULL,
    dry_run    INTEGER NOT NULL
);
CREATE INDEX journal_time ON journal (time);
CREATE INDEX journal_entity ON journal (entity_key, time);
CREATE INDEX journal_rule ON journal (rule_id, time);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Retention deletes done events oldest first in small chunks (Store::prune_done_events): without
// this index every chunk would scan the whole inbox. Partial, so pending and failed rows cost it
// nothing; a done row costs one small entry.
constexpr const char* kMigration2 = R"sql(
CREATE INDEX inbox_done ON inbox (received_at) WHERE status = 'done';
)sql";

// Poison events (issue 19): an event that cannot be processed waits its own backoff
// (not_before, system-time milliseconds) and, when parked, keeps its reason for `status`.
constexpr const char* kMigration3 = R"sql(
ALTER TABLE inbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
)sql";

// Nothing grows without bound (issue 19): sweeps read only open snapshots (a partial index over
// what is in process), retention deletes closed snapshots that have not changed for long, oldest
// first (a partial index by time), and remembers their keys so that an entity coming back is not
// taken for a new one. Snapshots and marks of before are classified and stamped here: a closed
// lead (status semantic S or F), deal (closed) or task (status 5, completed) as the engine would
// store it today, and marks with no time as written now.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE snapshots ADD COLUMN open INTEGER NOT NULL DEFAULT 1;
UPDATE snapshots SET open = 0 WHERE json_valid(json) AND (
    (entity_key >= 'lead:' AND entity_key < 'lead;'
        AND json_extract(json, '$.status_semantic') IN ('S', 'F'))
    OR (entity_key >= 'deal:' AND entity_key < 'deal;' AND json_extract(json, '$.closed') = 1)
    OR (entity_key >= 'task:' AND entity_key < 'task;' AND json_extract(json, '$.status') = 5));
-- Covering: a sweep reads this small index alone, never the table's pages, where the open
-- rows lie scattered among the closed ones (bench/RESULTS.md §6).
CREATE INDEX snapshots_open ON snapshots (entity_key, updated_at, open, json) WHERE open = 1;
CREATE INDEX snapshots_closed ON snapshots (updated_at) WHERE open = 0;
CREATE TABLE forgotten_snapshots (
    entity_key TEXT PRIMARY KEY
) WITHOUT ROWID;
UPDATE kv SET value = CAST(strftime('%s', 'now') AS INTEGER) * 1000
    WHERE key >= 'dry-run:' AND key < 'dry-run;';
UPDATE kv SET value = json_set(value, '$.at', CAST(strftime('%s', 'now') AS INTEGER) * 1000)
    WHERE key >= 'wazzup.sent:' AND key < 'wazzup.sent;' AND json_valid(value);
)sql";

// Timers wait while an event waits its backoff (Store::has_held_events): one seek per step.
// The rules see the daemon's own writes before their echo (Store::own_actions_of): a seek per
// entity over its actions, done ones included.
constexpr const char* kMigration5 = R"sql(
CREATE INDEX inbox_held ON inbox (not_before) WHERE status = 'pending';
CREATE INDEX outbox_entity ON outbox (entity_key, created_at);
)sql";

constexpr std::array kMigrations = {kMigration1, kMigration2, kMigration3, kMigration4,
                                    kMigration5};

}  // namespace

int latest_schema_version() {
    return static_cast<int>(kMigrations.size());
}

int current_schema_version(Connection& conn) {
    auto exists =
        conn.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    if (!exists.step()) return 0;
    auto q = conn.query("SELECT coalesce(max(version), 0) FROM schema_version");
    q.step();
    return static_cast<int>(q.integer(0));
}

void migrate(Connection& conn) {
    Transaction tx(conn);
    conn.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
    const int current = current_schema_version(conn);
    if (current > latest_schema_version()) {
        throw StoreError("store " + conn.path() + ": schema version " + std::to_string(current) +
                         " is newer than this reglamentd knows (" +
                         std::to_string(latest_schema_version()) + "); upgrade reglamentd");
    }
    for (int version = current + 1; version <= latest_schema_version(); ++version) {
        try {
            conn.exec(kMigrations[static_cast<std::size_t>(version - 1)]);
        } catch (const StoreError& e) {
            throw StoreError("migration " + std::to_string(version) + " failed: " + e.what());
        }
        conn.run("INSERT INTO schema_version (version) VALUES (?1)", version);
    }
    tx.commit();
}

}  // namespace reglament::store::sqlite
