#include <array>
#include <string>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {

void insert_journal_entry(Connection& conn, const JournalEntry& entry) {
    conn.run(
        "INSERT INTO journal (time, rule_id, entity_key, action, reason, result, dry_run) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        entry.time, entry.rule_id, entry.entity_key, entry.action, entry.reason, entry.result,
        entry.dry_run);
}

namespace {

// One statement per combination of filters, so that each can use the index that fits
// (journal_entity, journal_rule or journal_time) instead of a scan; built once.
const char* journal_sql(bool entity, bool rule, bool since) {
    static const std::array<std::string, 8> statements = [] {
        std::array<std::string, 8> all;
        for (std::size_t mask = 0; mask < all.size(); ++mask) {
            std::string sql =
                "SELECT id, time, rule_id, entity_key, action, reason, result, dry_run "
                "FROM journal WHERE 1";
            if (mask & 1) sql += " AND entity_key = ?1";
            if (mask & 2) sql += " AND rule_id = ?2";
            if (mask & 4) sql += " AND time >= ?3";
            sql += " ORDER BY time, id LIMIT ?4";
            all[mask] = std::move(sql);
        }
        return all;
    }();
    return statements[(entity ? 1 : 0) | (rule ? 2 : 0) | (since ? 4 : 0)].c_str();
}

}  // namespace

std::vector<JournalEntry> select_journal(Connection& conn, const JournalQuery& query) {
    auto q = conn.query(journal_sql(query.entity_key.has_value(), query.rule_id.has_value(),
                                    query.since.has_value()));
    if (query.entity_key) q.bind(1, *query.entity_key);
    if (query.rule_id) q.bind(2, *query.rule_id);
    if (query.since) q.bind(3, *query.since);
    q.bind(4, query.limit);
    std::vector<JournalEntry> entries;
    while (q.step()) {
        entries.push_back({q.integer(0), q.time(1), q.text(2), q.text(3), q.text(4), q.text(5),
                           q.text(6), q.integer(7) != 0});
    }
    return entries;
}

// Oldest first through journal_time, so a chunk reads only the rows it deletes.
std::int64_t delete_journal_before(Connection& conn, TimePoint before, std::size_t limit) {
    conn.run(
        "DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE time < ?1 ORDER BY time "
        "LIMIT ?2)",
        before, limit);
    return conn.changes();
}

}  // namespace reglament::store::sqlite
