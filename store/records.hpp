// The rows the store keeps, as plain values. No SQLite (or any backend) type appears here, so
// the engine, the daemon and a future PostgreSQL backend share them. JSON columns travel as
// text: the store never interprets them (except a fired timer's payload, see Store::take_due).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/clock.hpp"

namespace reglament::store {

using TimePoint = reglament::TimePoint;

// ---- inbox: every event from Bitrix24, Wazzup, the poller and fired timers -----------------

struct InboxEvent {
    std::string source;      // "bitrix", "wazzup", "poller", "timer"
    std::string dedup_key;   // unique per real-world event; a repeat is a duplicate
    std::string entity_key;  // "lead:123": events of one entity are processed in id order
    std::string kind;        // "ONCRMLEADUPDATE", "timer", ...
    std::string payload;     // JSON text
    TimePoint received_at{};
};

enum class EventStatus { pending, done, failed };

struct StoredEvent {
    std::int64_t id = 0;
    InboxEvent event;
    EventStatus status = EventStatus::pending;
    int attempts = 0;
    std::string last_error;  // why the last attempt did not finish (a parked event's reason)
    // Not taken again before this moment (system time): a failed attempt's backoff, per event,
    // so one entity that cannot be processed never slows the others.
    TimePoint not_before{};
};

// One attempt at an event that did not finish (Store::record_event_failure).
struct EventFailure {
    std::int64_t id = 0;
    bool count_attempt = true;  // false: the cause is not the event's (outage, credentials)
    bool give_up = false;       // parked: status failed until `reglamentd requeue`
    std::string reason;
    TimePoint retry_at{};  // system time; ignored when parked
};

enum class AppendOutcome { inserted, duplicate };

struct AppendResult {
    AppendOutcome outcome = AppendOutcome::inserted;
    std::int64_t id = 0;  // the new row's id; 0 for a duplicate
};

// ---- snapshots, rule state, kv ---------------------------------------------------------------

// A secondary key of a snapshot ("task.binding" = "L_12", "lead.phone" = "79161234567"), so the
// engine's questions about the rest of the portal (rules/rule.hpp, World) are index lookups
// rather than scans of every snapshot.
struct SnapshotTerm {
    std::string name;
    std::string value;
    bool operator==(const SnapshotTerm&) const = default;
};

struct Snapshot {
    std::string entity_key;
    std::string json;
    TimePoint updated_at{};
    // Written with the snapshot, replacing its previous terms. Reads leave it empty.
    std::vector<SnapshotTerm> terms = {};
    // Still in process (a lead not converted or junk, a deal not closed, a task not completed):
    // sweeps read only open snapshots, retention deletes closed ones that have not changed for
    // long. Anything that is no lead, deal or task is open.
    bool open = true;
};

struct RuleStateKey {
    std::string rule_id;
    std::string entity_key;
};

struct RuleState {
    std::string rule_id;
    std::string entity_key;
    std::string json;
    TimePoint updated_at{};
};

// ---- timers ----------------------------------------------------------------------------------

// (rule_id, entity_key, purpose) identifies a timer: arming it again replaces it.
struct TimerKey {
    std::string rule_id;
    std::string entity_key;
    std::string purpose;
};

struct Timer {
    std::string rule_id;
    std::string entity_key;
    std::string purpose;
    TimePoint due_at{};
    std::string payload;  // JSON text; empty means null
};

// A timer that came due and was turned into an inbox event (see Store::take_due).
struct FiredTimer {
    Timer timer;
    std::int64_t event_id = 0;
};

// ---- outbox ----------------------------------------------------------------------------------

struct NewAction {
    std::string idempotency_key;  // a second action with the same key is ignored
    std::string entity_key;
    std::string rule_id;
    std::string kind;     // "bitrix.task.add", "wazzup.message", ...
    std::string payload;  // JSON text
    TimePoint created_at{};
};

// pending: waiting to run (at next_attempt_at); in_flight: being executed; unknown: a request was
// sent but its outcome is not known (crash, timeout), so it must be looked up before a retry.
enum class ActionStatus { pending, in_flight, done, failed, unknown };

struct StoredAction {
    std::int64_t id = 0;
    NewAction action;
    ActionStatus status = ActionStatus::pending;
    int attempts = 0;
    TimePoint next_attempt_at{};
    std::string result;      // JSON text of the outcome, empty until known
    std::string last_error;  // why the last attempt did not finish
};

// ---- journal ---------------------------------------------------------------------------------

struct JournalEntry {
    std::int64_t id = 0;  // assigned by the store
    TimePoint time{};
    std::string rule_id;
    std::string entity_key;
    std::string action;
    std::string reason;
    std::string result;
    bool dry_run = false;
};

struct JournalQuery {
    std::optional<std::string> entity_key = std::nullopt;
    std::optional<std::string> rule_id = std::nullopt;
    std::optional<TimePoint> since = std::nullopt;  // inclusive
    std::size_t limit = 1000;                       // oldest first
};

// ---- the engine's unit of work ---------------------------------------------------------------

// Everything one engine step decided, committed in one transaction: either all of it is durable
// or none of it is (ARCHITECTURE.md, "Data flow" 2).
struct EngineCommit {
    std::vector<std::int64_t> done_event_ids;
    std::vector<Snapshot> snapshots;
    std::vector<std::string> snapshot_erases;
    std::vector<RuleState> rule_states;
    std::vector<RuleStateKey> rule_state_erases;
    std::vector<Timer> timer_upserts;
    std::vector<TimerKey> timer_cancels;
    std::vector<NewAction> outbox_actions;
    std::vector<JournalEntry> journal_entries;
    std::vector<std::pair<std::string, std::string>> kv_puts;
};

// ---- metrics ---------------------------------------------------------------------------------

struct StoreMetrics {
    std::int64_t inbox_pending = 0;
    std::int64_t inbox_failed = 0;
    std::optional<std::chrono::milliseconds> inbox_oldest_pending_age;
    std::int64_t outbox_open = 0;  // pending + in_flight + unknown
    std::int64_t outbox_unknown = 0;
    std::int64_t outbox_failed = 0;
    std::optional<std::chrono::milliseconds> outbox_oldest_open_age;
    std::int64_t timers = 0;
    std::int64_t timers_due = 0;  // due but not fired yet
    std::optional<TimePoint> earliest_timer;
};

}  // namespace reglament::store
