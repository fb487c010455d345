#include <string>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {
namespace {

EventStatus parse_event_status(const std::string& s) {
    if (s == "done") return EventStatus::done;
    if (s == "failed") return EventStatus::failed;
    return EventStatus::pending;
}

constexpr const char* kEventColumns =
    "id, source, dedup_key, entity_key, kind, payload, received_at, status, attempts, "
    "last_error, not_before";

std::vector<StoredEvent> read_events(Query& q) {
    std::vector<StoredEvent> events;
    while (q.step()) {
        StoredEvent e;
        e.id = q.integer(0);
        e.event = {q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.time(6)};
        e.status = parse_event_status(q.text(7));
        e.attempts = static_cast<int>(q.integer(8));
        e.last_error = q.text(9);
        e.not_before = q.time(10);
        events.push_back(std::move(e));
    }
    return events;
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

// Through the partial index inbox_pending: events waiting their backoff are skipped in the
// scan, and there are only as many of them as entities that currently fail.
std::vector<StoredEvent> select_pending_events(Connection& conn, std::size_t limit,
                                               std::optional<TimePoint> ready_at) {
    static const std::string all = std::string("SELECT ") + kEventColumns +
                                   " FROM inbox WHERE status = 'pending' ORDER BY id LIMIT ?1";
    static const std::string ready =
        std::string("SELECT ") + kEventColumns +
        " FROM inbox WHERE status = 'pending' AND not_before <= ?2 ORDER BY id LIMIT ?1";
    if (!ready_at) {
        auto q = conn.query(all.c_str(), limit);
        return read_events(q);
    }
    auto q = conn.query(ready.c_str(), limit, *ready_at);
    return read_events(q);
}

// Through the partial index inbox_held: a failed attempt sets not_before, `requeue` clears it.
bool any_held_event(Connection& conn) {
    auto q = conn.query("SELECT 1 FROM inbox WHERE status = 'pending' AND not_before > 0 LIMIT 1");
    return q.step();
}

void set_events_done(Connection& conn, std::span<const std::int64_t> ids) {
    for (const auto id : ids) {
        conn.run("UPDATE inbox SET status = 'done' WHERE id = ?1", id);
    }
}

void count_event_failure(Connection& conn, const EventFailure& f) {
    conn.run(
        "UPDATE inbox SET attempts = attempts + ?2, "
        "status = CASE WHEN ?3 THEN 'failed' ELSE status END, last_error = ?4, not_before = ?5 "
        "WHERE id = ?1 AND status = 'pending'",
        f.id, f.count_attempt ? 1 : 0, f.give_up, f.reason, f.retry_at);
}

// Through the partial index inbox_failed.
std::vector<StoredEvent> select_parked_events(Connection& conn, std::size_t limit) {
    static const std::string sql = std::string("SELECT ") + kEventColumns +
                                   " FROM inbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?1";
    auto q = conn.query(sql.c_str(), limit);
    return read_events(q);
}

// The reason stays until the next attempt overwrites it: `status` then shows what happened.
std::int64_t requeue_parked_events(Connection& conn, std::optional<std::int64_t> id) {
    if (id)
        conn.run(
            "UPDATE inbox SET status = 'pending', attempts = 0, not_before = 0 "
            "WHERE id = ?1 AND status = 'failed'",
            *id);
    else
        conn.run(
            "UPDATE inbox SET status = 'pending', attempts = 0, not_before = 0 "
            "WHERE status = 'failed'");
    return conn.changes();
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
