// The durable state of reglamentd behind a narrow interface. The engine, intake, scheduler,
// outbox worker and poller see only this; SqliteStore implements it today, and a PostgreSQL
// backend (rows leased with FOR UPDATE SKIP LOCKED) can later implement it without touching
// rules. Every method is safe to call from any thread. Failures throw StoreError.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/store_error.hpp"

namespace reglament::store {

class Store {
  public:
    virtual ~Store() = default;

    // ---- inbox ----
    // All events in one transaction (group commit); one result per event, in order. An event
    // whose dedup_key is already stored (or repeated earlier in the batch) is a duplicate.
    virtual std::vector<AppendResult> append_events(std::span<const InboxEvent> events) = 0;
    // Pending events, oldest (lowest id) first; with `ready_at`, only those whose not_before
    // has come by then (the engine passes system time).
    virtual std::vector<StoredEvent> next_pending(std::size_t limit,
                                                  std::optional<TimePoint> ready_at) = 0;
    std::vector<StoredEvent> next_pending(std::size_t limit) {
        return next_pending(limit, std::nullopt);
    }
    virtual void mark_events_done(std::span<const std::int64_t> ids) = 0;
    // Whether a pending event has failed an attempt and waits to be tried again (also while it
    // is being tried): the engine holds timers and sweeps back meanwhile, so no rule judges
    // lateness on a picture that misses what already happened (a call held while the portal
    // was away).
    virtual bool has_held_events() = 0;
    // Records attempts that did not finish (each one's reason and when to try again) with
    // their journal lines, in one transaction; each event stays pending, or is parked (failed)
    // when `give_up`.
    virtual void record_event_failures(std::span<const EventFailure> failures,
                                       std::span<const JournalEntry> journal) = 0;
    void record_event_failure(std::int64_t id, bool give_up) {
        EventFailure f{id, true, give_up, {}, {}};
        record_event_failures({&f, 1}, {});
    }
    // Parked (failed) events and actions, newest first, for `reglamentd status`.
    virtual std::vector<StoredEvent> parked_events(std::size_t limit) = 0;
    virtual std::vector<StoredAction> parked_actions(std::size_t limit) = 0;
    // `reglamentd requeue`: parked events (all, or the one with `id`) become pending with a
    // fresh count of attempts; parked actions become pending, due at once (an earlier attempt
    // of a create is looked up before it is repeated). Returns how many rows moved.
    virtual std::int64_t requeue_events(std::optional<std::int64_t> id) = 0;
    virtual std::int64_t requeue_actions(std::optional<std::int64_t> id) = 0;
    // Deletes at most `limit` done events received before `before`, oldest first, and returns
    // how many; pending and failed events are never deleted. Their dedup keys are forgotten with
    // them, so a repeat of one would be a new event: callers keep events far longer than any
    // sender repeats one (minutes). A bounded chunk holds the single writer briefly; call again
    // while it returns `limit`.
    virtual std::int64_t prune_done_events(TimePoint before, std::size_t limit) = 0;

    // ---- snapshots ----
    virtual std::optional<Snapshot> get_snapshot(std::string_view entity_key) = 0;
    // Inserts or replaces the snapshot and its lookup terms.
    virtual void put_snapshot(const Snapshot& snapshot) = 0;
    virtual void erase_snapshot(std::string_view entity_key) = 0;
    // Snapshots that have the term (name = value), in key order.
    virtual std::vector<Snapshot> find_snapshots(std::string_view term_name,
                                                 std::string_view value) = 0;
    // Calls `visit` for every snapshot whose key starts with `prefix` ("lead:"), in key order,
    // one row at a time (constant memory whatever the number of rows).
    virtual void for_each_snapshot(std::string_view prefix,
                                   const std::function<void(const Snapshot&)>& visit) = 0;
    // The same over the open snapshots only (Snapshot::open): what a sweep reads, so its cost
    // follows what is in process, not the whole history.
    virtual void for_each_open_snapshot(std::string_view prefix,
                                        const std::function<void(const Snapshot&)>& visit) = 0;
    // Deletes at most `limit` closed snapshots of leads, deals and tasks (and their terms) last
    // written before `before`, oldest first; returns how many. Each leaves its key behind
    // (was_forgotten), so that the entity coming back is not taken for a new one.
    virtual std::int64_t prune_closed_snapshots(TimePoint before, std::size_t limit) = 0;
    // Whether retention deleted the closed snapshot of this entity.
    virtual bool was_forgotten(std::string_view entity_key) = 0;

    // ---- rule state ----
    virtual std::optional<RuleState> get_rule_state(std::string_view rule_id,
                                                    std::string_view entity_key) = 0;
    virtual void put_rule_state(const RuleState& state) = 0;

    // ---- timers ----
    // Arms the timer, replacing one with the same (rule, entity, purpose).
    virtual void upsert_timer(const Timer& timer) = 0;
    // Returns whether a timer was armed.
    virtual bool cancel_timer(const TimerKey& key) = 0;
    virtual std::optional<TimePoint> earliest_due() = 0;
    // Takes at most `limit` timers due at or before `now`, earliest first, and in the same
    // transaction turns each into a pending inbox event (source "timer", kind "timer",
    // dedup_key "timer:<row id>", payload {"rule_id","purpose","due_at"(ms),"payload"}), so a
    // crash after this call loses no timer and fires none twice.
    virtual std::vector<FiredTimer> take_due(TimePoint now, std::size_t limit) = 0;
    virtual std::int64_t timer_count() = 0;

    // ---- outbox ----
    // One result per action: true when stored, false when its idempotency key already was.
    virtual std::vector<bool> enqueue_actions(std::span<const NewAction> actions) = 0;
    // Pending or unknown actions whose time has come, lowest id first, skipping any action
    // whose entity has an earlier action not yet done or failed (order per entity).
    virtual std::vector<StoredAction> next_ready(TimePoint now, std::size_t limit) = 0;
    virtual std::optional<StoredAction> get_action(std::int64_t id) = 0;
    // An entity's actions not yet done (pending, in flight, unknown) and those done that were
    // created after `done_after` (business time), oldest first: the daemon's own writes that the
    // portal has not carried out, or whose echo has not reached the snapshot yet.
    virtual std::vector<StoredAction> own_actions_of(std::string_view entity_key,
                                                     TimePoint done_after) = 0;
    // Counts an attempt.
    virtual void mark_action_in_flight(std::int64_t id) = 0;
    // The outcome and its journal lines commit together: a crash cannot leave a finished
    // action without its line in the journal.
    virtual void mark_action_done(std::int64_t id, std::string_view result,
                                  std::span<const JournalEntry> journal) = 0;
    virtual void mark_action_failed(std::int64_t id, std::string_view error,
                                    std::span<const JournalEntry> journal) = 0;
    // Back to pending, not before `when`.
    virtual void retry_action_at(std::int64_t id, TimePoint when, std::string_view error) = 0;
    // The request may have reached the portal: look it up (not before `when`) before retrying.
    virtual void mark_action_unknown(std::int64_t id, TimePoint when, std::string_view error) = 0;
    // At start-up: actions left in flight by a crash become unknown. Returns how many.
    virtual std::int64_t mark_interrupted_actions_unknown() = 0;

    // ---- journal ----
    virtual void append_journal(std::span<const JournalEntry> entries) = 0;
    virtual std::vector<JournalEntry> query_journal(const JournalQuery& query) = 0;
    // Deletes at most `limit` journal lines timed before `before`, oldest first; returns how many.
    virtual std::int64_t prune_journal(TimePoint before, std::size_t limit) = 0;

    // ---- kv: poll watermarks, round-robin positions, OAuth refresh token, channel states ----
    virtual std::optional<std::string> get_kv(std::string_view key) = 0;
    virtual void put_kv(std::string_view key, std::string_view value) = 0;
    // Deletes at most `limit` marks written before `before` and returns how many: the kv rows
    // "wazzup.sent:<id>" (their value a JSON object with "at", ms since the epoch) and
    // "dry-run:<key>" (their value the ms since the epoch); a mark without a time counts as
    // old. Other kv rows are never deleted. Call again while it returns `limit`.
    virtual std::int64_t prune_marks(TimePoint before, std::size_t limit) = 0;

    // ---- unit of work ----
    virtual void commit(const EngineCommit& work) = 0;

    // ---- observation ----
    virtual StoreMetrics metrics(TimePoint now) = 0;
};

}  // namespace reglament::store
