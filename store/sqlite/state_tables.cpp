#include <string>
#include <vector>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {
namespace {

// The smallest string greater than every string starting with `prefix` (BINARY collation
// compares bytes), or nullopt when there is none (prefix empty or all 0xFF).
std::optional<std::string> prefix_upper_bound(std::string_view prefix) {
    std::string upper(prefix);
    while (!upper.empty()) {
        auto& last = reinterpret_cast<unsigned char&>(upper.back());
        if (last != 0xFF) {
            ++last;
            return upper;
        }
        upper.pop_back();
    }
    return std::nullopt;
}

}  // namespace

std::optional<Snapshot> select_snapshot(Connection& conn, std::string_view entity_key) {
    auto q = conn.query("SELECT json, updated_at, open FROM snapshots WHERE entity_key = ?1",
                        entity_key);
    if (!q.step()) return std::nullopt;
    return Snapshot{std::string(entity_key), q.text(0), q.time(1), {}, q.integer(2) != 0};
}

void write_snapshot(Connection& conn, const Snapshot& snapshot) {
    require_key(conn, "snapshot entity_key", snapshot.entity_key);
    conn.run(
        "INSERT INTO snapshots (entity_key, json, updated_at, open) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (entity_key) DO UPDATE SET json = excluded.json, "
        "updated_at = excluded.updated_at, open = excluded.open",
        snapshot.entity_key, snapshot.json, snapshot.updated_at, snapshot.open ? 1 : 0);
    conn.run("DELETE FROM snapshot_terms WHERE entity_key = ?1", snapshot.entity_key);
    for (const auto& term : snapshot.terms) {
        conn.run(
            "INSERT INTO snapshot_terms (name, value, entity_key) VALUES (?1, ?2, ?3) "
            "ON CONFLICT DO NOTHING",
            term.name, term.value, snapshot.entity_key);
    }
}

std::vector<Snapshot> select_snapshots_by_term(Connection& conn, std::string_view name,
                                               std::string_view value) {
    auto q = conn.query(
        "SELECT s.entity_key, s.json, s.updated_at, s.open FROM snapshot_terms AS t "
        "JOIN snapshots AS s ON s.entity_key = t.entity_key "
        "WHERE t.name = ?1 AND t.value = ?2 ORDER BY t.entity_key",
        name, value);
    std::vector<Snapshot> found;
    while (q.step())
        found.push_back({q.text(0), q.text(1), q.time(2), {}, q.integer(3) != 0});
    return found;
}

void delete_snapshot(Connection& conn, std::string_view entity_key) {
    conn.run("DELETE FROM snapshots WHERE entity_key = ?1", entity_key);
}

void scan_snapshots(Connection& conn, std::string_view prefix,
                    const std::function<void(const Snapshot&)>& visit) {
    // A key range rather than LIKE, and two statements rather than "?2 IS NULL OR": both
    // bounds must reach the primary key index so the scan stops at the prefix's end.
    const auto upper = prefix_upper_bound(prefix);
    auto q = upper ? conn.query(
                         "SELECT entity_key, json, updated_at, open FROM snapshots "
                         "WHERE entity_key >= ?1 AND entity_key < ?2 ORDER BY entity_key")
                   : conn.query(
                         "SELECT entity_key, json, updated_at, open FROM snapshots "
                         "WHERE entity_key >= ?1 ORDER BY entity_key");
    q.bind(1, prefix);
    if (upper) q.bind(2, *upper);
    Snapshot row;
    while (q.step()) {
        row.entity_key = q.text(0);
        row.json = q.text(1);
        row.updated_at = q.time(2);
        row.open = q.integer(3) != 0;
        visit(row);
    }
}

void scan_open_snapshots(Connection& conn, std::string_view prefix,
                         const std::function<void(const Snapshot&)>& visit) {
    // Through the partial index snapshots_open, named: left to itself the planner (no
    // statistics) takes the primary key's range and filters, reading every closed row of the
    // history (bench/RESULTS.md §6). "open = 1" literally, which the index requires.
    const auto upper = prefix_upper_bound(prefix);
    auto q = upper ? conn.query(
                         "SELECT entity_key, json, updated_at FROM snapshots "
                         "INDEXED BY snapshots_open "
                         "WHERE open = 1 AND entity_key >= ?1 AND entity_key < ?2 "
                         "ORDER BY entity_key")
                   : conn.query(
                         "SELECT entity_key, json, updated_at FROM snapshots "
                         "INDEXED BY snapshots_open "
                         "WHERE open = 1 AND entity_key >= ?1 ORDER BY entity_key");
    q.bind(1, prefix);
    if (upper) q.bind(2, *upper);
    Snapshot row;
    while (q.step()) {
        row.entity_key = q.text(0);
        row.json = q.text(1);
        row.updated_at = q.time(2);
        visit(row);
    }
}

std::int64_t delete_closed_snapshots(Connection& conn, TimePoint before, std::size_t limit) {
    std::vector<std::string> keys;
    {
        auto q = conn.query(
            "SELECT entity_key FROM snapshots INDEXED BY snapshots_closed "
            "WHERE open = 0 AND updated_at < ?1 "
            "ORDER BY updated_at LIMIT ?2",
            before, static_cast<std::int64_t>(limit));
        while (q.step())
            keys.push_back(q.text(0));
    }
    for (const auto& key : keys) {
        conn.run("INSERT INTO forgotten_snapshots (entity_key) VALUES (?1) ON CONFLICT DO NOTHING",
                 key);
        conn.run("DELETE FROM snapshots WHERE entity_key = ?1", key);
    }
    return static_cast<std::int64_t>(keys.size());
}

bool select_forgotten(Connection& conn, std::string_view entity_key) {
    auto q = conn.query("SELECT 1 FROM forgotten_snapshots WHERE entity_key = ?1", entity_key);
    return q.step();
}

std::int64_t delete_old_marks(Connection& conn, TimePoint before, std::size_t limit) {
    std::vector<std::string> keys;
    {
        // A mark without a readable time counts as written at the epoch.
        auto q = conn.query(
            "SELECT key FROM kv WHERE key >= 'dry-run:' AND key < 'dry-run;' "
            "AND CAST(value AS INTEGER) < ?1 LIMIT ?2",
            before, static_cast<std::int64_t>(limit));
        while (q.step())
            keys.push_back(q.text(0));
    }
    if (keys.size() < limit) {
        auto q = conn.query(
            "SELECT key FROM kv WHERE key >= 'wazzup.sent:' AND key < 'wazzup.sent;' "
            "AND (CASE WHEN json_valid(value) THEN coalesce(json_extract(value, '$.at'), 0) "
            "ELSE 0 END) < ?1 LIMIT ?2",
            before, static_cast<std::int64_t>(limit - keys.size()));
        while (q.step())
            keys.push_back(q.text(0));
    }
    for (const auto& key : keys)
        conn.run("DELETE FROM kv WHERE key = ?1", key);
    return static_cast<std::int64_t>(keys.size());
}

std::optional<RuleState> select_rule_state(Connection& conn, std::string_view rule_id,
                                           std::string_view entity_key) {
    auto q =
        conn.query("SELECT json, updated_at FROM rule_state WHERE rule_id = ?1 AND entity_key = ?2",
                   rule_id, entity_key);
    if (!q.step()) return std::nullopt;
    return RuleState{std::string(rule_id), std::string(entity_key), q.text(0), q.time(1)};
}

void write_rule_state(Connection& conn, const RuleState& state) {
    require_key(conn, "rule state rule_id", state.rule_id);
    require_key(conn, "rule state entity_key", state.entity_key);
    conn.run(
        "INSERT INTO rule_state (rule_id, entity_key, json, updated_at) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (rule_id, entity_key) DO UPDATE SET "
        "json = excluded.json, updated_at = excluded.updated_at",
        state.rule_id, state.entity_key, state.json, state.updated_at);
}

void delete_rule_state(Connection& conn, const RuleStateKey& key) {
    conn.run("DELETE FROM rule_state WHERE rule_id = ?1 AND entity_key = ?2", key.rule_id,
             key.entity_key);
}

std::optional<std::string> select_kv(Connection& conn, std::string_view key) {
    auto q = conn.query("SELECT value FROM kv WHERE key = ?1", key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
}

void write_kv(Connection& conn, std::string_view key, std::string_view value) {
    require_key(conn, "kv key", key);
    conn.run(
        "INSERT INTO kv (key, value) VALUES (?1, ?2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key, value);
}

}  // namespace reglament::store::sqlite
