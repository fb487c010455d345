#include <nlohmann/json.hpp>

#include "store/sqlite/tables.hpp"

namespace reglament::store::sqlite {

void write_timer(Connection& conn, const Timer& timer) {
    require_key(conn, "timer rule_id", timer.rule_id);
    require_key(conn, "timer entity_key", timer.entity_key);
    // DO UPDATE keeps the row id: a re-armed timer that has not fired is the same timer.
    conn.run(
        "INSERT INTO timers (rule_id, entity_key, purpose, due_at, payload) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (rule_id, entity_key, purpose) "
        "DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload",
        timer.rule_id, timer.entity_key, timer.purpose, timer.due_at, timer.payload);
}

bool delete_timer(Connection& conn, const TimerKey& key) {
    conn.run("DELETE FROM timers WHERE rule_id = ?1 AND entity_key = ?2 AND purpose = ?3",
             key.rule_id, key.entity_key, key.purpose);
    return conn.changes() > 0;
}

std::optional<TimePoint> select_earliest_due(Connection& conn) {
    auto q = conn.query("SELECT due_at FROM timers ORDER BY due_at LIMIT 1");
    if (!q.step()) return std::nullopt;
    return q.time(0);
}

std::vector<FiredTimer> fire_due_timers(Connection& conn, TimePoint now, std::size_t limit) {
    std::vector<std::pair<std::int64_t, Timer>> due;
    {
        auto q = conn.query(
            "SELECT id, rule_id, entity_key, purpose, due_at, payload FROM timers "
            "WHERE due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
            now, limit);
        while (q.step()) {
            due.emplace_back(q.integer(0),
                             Timer{q.text(1), q.text(2), q.text(3), q.time(4), q.text(5)});
        }
    }
    std::vector<FiredTimer> fired;
    fired.reserve(due.size());
    for (auto& [id, timer] : due) {
        nlohmann::json payload = nullptr;
        if (!timer.payload.empty()) {
            payload = nlohmann::json::parse(timer.payload, nullptr, false);
            if (payload.is_discarded()) payload = timer.payload;  // keep it, as a string
        }
        const nlohmann::json body = {{"rule_id", timer.rule_id},
                                     {"purpose", timer.purpose},
                                     {"due_at", timer.due_at.time_since_epoch().count()},
                                     {"payload", std::move(payload)}};
        // The row id is never reused (AUTOINCREMENT), so the key is unique per firing even
        // when the same (rule, entity, purpose) is armed again later.
        const InboxEvent event{"timer",
                               "timer:" + std::to_string(id),
                               timer.entity_key,
                               "timer",
                               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                               now};
        const auto appended = insert_event(conn, event);
        conn.run("DELETE FROM timers WHERE id = ?1", id);
        fired.push_back({std::move(timer), appended.id});
    }
    return fired;
}

std::int64_t count_timers(Connection& conn) {
    auto q = conn.query("SELECT count(*) FROM timers");
    q.step();
    return q.integer(0);
}

std::int64_t count_due_timers(Connection& conn, TimePoint now) {
    auto q = conn.query("SELECT count(*) FROM timers WHERE due_at <= ?1", now);
    q.step();
    return q.integer(0);
}

}  // namespace reglament::store::sqlite
