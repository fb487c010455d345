// The SQL of each table, as functions over a connection. They do not open transactions: the
// SqliteStore methods wrap them, and SqliteStore::commit composes many into one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store_error.hpp"

namespace reglament::store::sqlite {

// inbox_table.cpp
AppendResult insert_event(Connection& conn, const InboxEvent& event);
bool any_held_event(Connection& conn);
std::vector<StoredAction> select_own_actions(Connection& conn, std::string_view entity_key,
                                             TimePoint done_after);
std::vector<StoredEvent> select_pending_events(Connection& conn, std::size_t limit,
                                               std::optional<TimePoint> ready_at);
void set_events_done(Connection& conn, std::span<const std::int64_t> ids);
void count_event_failure(Connection& conn, const EventFailure& failure);
std::vector<StoredEvent> select_parked_events(Connection& conn, std::size_t limit);
std::int64_t requeue_parked_events(Connection& conn, std::optional<std::int64_t> id);
std::int64_t delete_done_events(Connection& conn, TimePoint before, std::size_t limit);

// state_tables.cpp: snapshots, rule state, kv
std::optional<Snapshot> select_snapshot(Connection& conn, std::string_view entity_key);
void write_snapshot(Connection& conn, const Snapshot& snapshot);
void delete_snapshot(Connection& conn, std::string_view entity_key);
std::vector<Snapshot> select_snapshots_by_term(Connection& conn, std::string_view name,
                                               std::string_view value);
void scan_snapshots(Connection& conn, std::string_view prefix,
                    const std::function<void(const Snapshot&)>& visit);
void scan_open_snapshots(Connection& conn, std::string_view prefix,
                         const std::function<void(const Snapshot&)>& visit);
std::int64_t delete_closed_snapshots(Connection& conn, TimePoint before, std::size_t limit);
bool select_forgotten(Connection& conn, std::string_view entity_key);
std::int64_t delete_old_marks(Connection& conn, TimePoint before, std::size_t limit);
std::optional<RuleState> select_rule_state(Connection& conn, std::string_view rule_id,
                                           std::string_view entity_key);
void write_rule_state(Connection& conn, const RuleState& state);
void delete_rule_state(Connection& conn, const RuleStateKey& key);
std::optional<std::string> select_kv(Connection& conn, std::string_view key);
void write_kv(Connection& conn, std::string_view key, std::string_view value);

// timer_table.cpp
void write_timer(Connection& conn, const Timer& timer);
bool delete_timer(Connection& conn, const TimerKey& key);
std::optional<TimePoint> select_earliest_due(Connection& conn);
std::vector<FiredTimer> fire_due_timers(Connection& conn, TimePoint now, std::size_t limit);
std::int64_t count_timers(Connection& conn);
std::int64_t count_due_timers(Connection& conn, TimePoint now);

// outbox_table.cpp
bool insert_action(Connection& conn, const NewAction& action);
std::vector<StoredAction> select_ready_actions(Connection& conn, TimePoint now, std::size_t limit);
std::optional<StoredAction> select_action(Connection& conn, std::int64_t id);
void set_action_in_flight(Connection& conn, std::int64_t id);
void set_action_done(Connection& conn, std::int64_t id, std::string_view result);
void set_action_failed(Connection& conn, std::int64_t id, std::string_view error);
void set_action_waiting(Connection& conn, std::int64_t id, ActionStatus status, TimePoint when,
                        std::string_view error);
std::int64_t set_in_flight_unknown(Connection& conn);
std::vector<StoredAction> select_failed_actions(Connection& conn, std::size_t limit);
std::int64_t requeue_failed_actions(Connection& conn, std::optional<std::int64_t> id);

// journal_table.cpp
void insert_journal_entry(Connection& conn, const JournalEntry& entry);
std::vector<JournalEntry> select_journal(Connection& conn, const JournalQuery& query);
std::int64_t delete_journal_before(Connection& conn, TimePoint before, std::size_t limit);

// store metrics (sqlite_store.cpp)
StoreMetrics collect_metrics(Connection& conn, TimePoint now);

// Throws StoreError naming the file when `value` is empty: keys must identify something.
void require_key(const Connection& conn, std::string_view what, std::string_view value);

}  // namespace reglament::store::sqlite
