#include <string>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {
namespace {

const char* status_name(ActionStatus status) {
    switch (status) {
        case ActionStatus::pending:
            return "pending";
        case ActionStatus::in_flight:
            return "in_flight";
        case ActionStatus::done:
            return "done";
        case ActionStatus::failed:
            return "failed";
        case ActionStatus::unknown:
            return "unknown";
    }
    return "pending";
}

ActionStatus parse_status(const std::string& s) {
    for (auto status : {ActionStatus::pending, ActionStatus::in_flight, ActionStatus::done,
                        ActionStatus::failed, ActionStatus::unknown}) {
        if (s == status_name(status)) return status;
    }
    return ActionStatus::pending;
}

constexpr const char* kColumns =
    "id, idempotency_key, entity_key, rule_id, kind, payload, created_at, status, attempts, "
    "next_attempt_at, result, last_error";

StoredAction read_action(const Query& q) {
    StoredAction a;
    a.id = q.integer(0);
    a.action = {q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.time(6)};
    a.status = parse_status(q.text(7));
    a.attempts = static_cast<int>(q.integer(8));
    a.next_attempt_at = q.time(9);
    a.result = q.text(10);
    a.last_error = q.text(11);
    return a;
}

std::vector<StoredAction> read_actions(Query& q) {
    std::vector<StoredAction> out;
    while (q.step())
        out.push_back(read_action(q));
    return out;
}

// Refuses to move an action that does not exist: a wrong id is a bug the worker must see.
void require_changed(Connection& conn, std::int64_t id) {
    if (conn.changes() == 0) {
        throw StoreError("store " + conn.path() + ": no outbox action " + std::to_string(id));
    }
}

}  // namespace

bool insert_action(Connection& conn, const NewAction& action) {
    require_key(conn, "outbox idempotency_key", action.idempotency_key);
    require_key(conn, "outbox entity_key", action.entity_key);
    conn.run(
        "INSERT INTO outbox (idempotency_key, entity_key, rule_id, kind, payload, "
        "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
        "ON CONFLICT (idempotency_key) DO NOTHING",
        action.idempotency_key, action.entity_key, action.rule_id, action.kind, action.payload,
        action.created_at);
    return conn.changes() > 0;
}

std::vector<StoredAction> select_ready_actions(Connection& conn, TimePoint now, std::size_t limit) {
    // The outer WHERE repeats outbox_runnable's condition word for word and the inner one
    // outbox_open's, so SQLite can use those partial indexes; done rows are never scanned.
    static const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM outbox AS o WHERE o.status IN ('pending', 'unknown') AND o.next_attempt_at <= ?1"
        " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.entity_key = o.entity_key"
        " AND e.id < o.id AND e.status IN ('pending', 'in_flight', 'unknown'))"
        " ORDER BY o.id LIMIT ?2";
    auto q = conn.query(sql.c_str(), now, limit);
    return read_actions(q);
}

// Through the index outbox_entity.
std::vector<StoredAction> select_own_actions(Connection& conn, std::string_view entity_key,
                                             TimePoint done_after) {
    static const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM outbox WHERE entity_key = ?1 AND (status IN ('pending', 'in_flight', 'unknown')"
        " OR (status = 'done' AND created_at > ?2)) ORDER BY id";
    auto q = conn.query(sql.c_str(), entity_key, done_after);
    return read_actions(q);
}

std::optional<StoredAction> select_action(Connection& conn, std::int64_t id) {
    static const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE id = ?1";
    auto q = conn.query(sql.c_str(), id);
    if (!q.step()) return std::nullopt;
    return read_action(q);
}

void set_action_in_flight(Connection& conn, std::int64_t id) {
    conn.run("UPDATE outbox SET status = 'in_flight', attempts = attempts + 1 WHERE id = ?1", id);
    require_changed(conn, id);
}

void set_action_done(Connection& conn, std::int64_t id, std::string_view result) {
    conn.run("UPDATE outbox SET status = 'done', result = ?2, last_error = '' WHERE id = ?1", id,
             result);
    require_changed(conn, id);
}

void set_action_failed(Connection& conn, std::int64_t id, std::string_view error) {
    conn.run("UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1", id, error);
    require_changed(conn, id);
}

void set_action_waiting(Connection& conn, std::int64_t id, ActionStatus status, TimePoint when,
                        std::string_view error) {
    conn.run("UPDATE outbox SET status = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
             id, status_name(status), when, error);
    require_changed(conn, id);
}

std::vector<StoredAction> select_failed_actions(Connection& conn, std::size_t limit) {
    static const std::string sql = std::string("SELECT ") + kColumns +
                                   " FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?1";
    auto q = conn.query(sql.c_str(), limit);
    return read_actions(q);
}

// Due at once (time 0): the daemon's clock may be manual and the requeue cannot know it. The
// attempts stay, so a create that may have reached the portal is looked up first.
std::int64_t requeue_failed_actions(Connection& conn, std::optional<std::int64_t> id) {
    if (id)
        conn.run(
            "UPDATE outbox SET status = 'pending', next_attempt_at = 0 "
            "WHERE id = ?1 AND status = 'failed'",
            *id);
    else
        conn.run(
            "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE status = 'failed'");
    return conn.changes();
}

std::int64_t set_in_flight_unknown(Connection& conn) {
    conn.run(
        "UPDATE outbox SET status = 'unknown', "
        "last_error = 'interrupted while in flight (restart)' WHERE status = 'in_flight'");
    return conn.changes();
}

}  // namespace reglament::store::sqlite
