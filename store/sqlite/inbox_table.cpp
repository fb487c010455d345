#include <string>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {
namespace {

EventStatus parse_event_status(const std::string& s) {
    if (s == "done") return EventStatus::done;
    if (s == "failed") return EventStatus::failed;
    return EventStatus::pending;
}

}  // namespace

AppendResult insert_event(Connection& conn, const InboxEvent& event) {
    require_key(conn, "inbox event dedup_key", event.dedup_key);
    require_key(conn, "inbox event entity_key", event.entity_key);
    conn.run(
        "INSERT INTO inbox (source, dedup_key, entity_key, kind, payload, received_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dedup_key) DO NOTHING",
        event.source, event.dedup_key, event.entity_key, event.kind, event.payload,
        event.received_at);
    if (conn.changes() == 0) return {AppendOutcome::duplicate, 0};
    return {AppendOutcome::inserted, conn.last_insert_rowid()};
}

std::vector<StoredEvent> select_pending_events(Connection& conn, std::size_t limit) {
    auto q = conn.query(
        "SELECT id, source, dedup_key, entity_key, kind, payload, received_at, status, attempts "
        "FROM inbox WHERE status = 'pending' ORDER BY id LIMIT ?1",
        limit);
    std::vector<StoredEvent> events;
    while (q.step()) {
        StoredEvent e;
        e.id = q.integer(0);
        e.event = {q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.time(6)};
        e.status = parse_event_status(q.text(7));
        e.attempts = static_cast<int>(q.integer(8));
        events.push_back(std::move(e));
    }
    return events;
}

void set_events_done(Connection& conn, std::span<const std::int64_t> ids) {
    for (const auto id : ids) {
        conn.run("UPDATE inbox SET status = 'done' WHERE id = ?1", id);
    }
}

void count_event_failure(Connection& conn, std::int64_t id, bool give_up) {
    conn.run(
        "UPDATE inbox SET attempts = attempts + 1, "
        "status = CASE WHEN ?2 THEN 'failed' ELSE status END WHERE id = ?1",
        id, give_up);
}

// Through the partial index inbox_done (migration 2): a chunk reads only the rows it deletes,
// however large the inbox.
std::int64_t delete_done_events(Connection& conn, TimePoint before, std::size_t limit) {
    conn.run(
        "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 'done' AND "
        "received_at < ?1 ORDER BY received_at LIMIT ?2)",
        before, limit);
    return conn.changes();
}

}  // namespace reglament::store::sqlite
