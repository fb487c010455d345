// The embedded backend: one SQLite file in WAL mode.
//
// Durability: synchronous=FULL by default. In WAL mode NORMAL already survives a process crash
// (a committed transaction is in the WAL file, i.e. in the OS page cache, before COMMIT returns),
// but the WAL is only fsynced at checkpoints, so a power loss or kernel crash can roll back
// transactions that were acknowledged. "200 = we will act on it" must hold across power loss
// too, so each commit fsyncs the WAL; group commit (InboxWriter) spreads that fsync over many
// events. NORMAL stays available for benchmarks and for users who accept that trade.
//
// Concurrency: one writer connection (a mutex serialises writes; a lock file keeps a second
// process from writing the same file) and a pool of reader connections, so a long snapshot
// sweep never blocks intake. Migrations run when the store opens for writing.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "store/store.hpp"

namespace reglament::store {

struct SqliteOptions {
    enum class Sync { normal, full };
    Sync sync = Sync::full;
    std::chrono::milliseconds busy_timeout{5000};
    // For `reglamentd journal` and other readers beside a running daemon: no migrations, no
    // lock file; every write throws StoreError.
    bool read_only = false;
    // For `reglamentd requeue` beside a running daemon: writes without the lock file (SQLite's
    // own locking keeps the two writers apart) and without migrations (the schema must be
    // current). Only for small admin writes: the daemon remains the one writer of its work.
    bool beside_daemon = false;
};

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(const std::filesystem::path& path, SqliteOptions options = {});
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    int schema_version();
    static int latest_schema_version();

    std::vector<AppendResult> append_events(std::span<const InboxEvent> events) override;
    using Store::next_pending;
    std::vector<StoredEvent> next_pending(std::size_t limit,
                                          std::optional<TimePoint> ready_at) override;
    void mark_events_done(std::span<const std::int64_t> ids) override;
    bool has_held_events() override;
    void record_event_failures(std::span<const EventFailure> failures,
                               std::span<const JournalEntry> journal) override;
    std::vector<StoredEvent> parked_events(std::size_t limit) override;
    std::vector<StoredAction> parked_actions(std::size_t limit) override;
    std::int64_t requeue_events(std::optional<std::int64_t> id) override;
    std::int64_t requeue_actions(std::optional<std::int64_t> id) override;
    std::int64_t prune_done_events(TimePoint before, std::size_t limit) override;

    std::optional<Snapshot> get_snapshot(std::string_view entity_key) override;
    void put_snapshot(const Snapshot& snapshot) override;
    void erase_snapshot(std::string_view entity_key) override;
    std::vector<Snapshot> find_snapshots(std::string_view term_name,
                                         std::string_view value) override;
    void for_each_snapshot(std::string_view prefix,
                           const std::function<void(const Snapshot&)>& visit) override;
    void for_each_open_snapshot(std::string_view prefix,
                                const std::function<void(const Snapshot&)>& visit) override;
    std::int64_t prune_closed_snapshots(TimePoint before, std::size_t limit) override;
    bool was_forgotten(std::string_view entity_key) override;

    std::optional<RuleState> get_rule_state(std::string_view rule_id,
                                            std::string_view entity_key) override;
    void put_rule_state(const RuleState& state) override;

    void upsert_timer(const Timer& timer) override;
    bool cancel_timer(const TimerKey& key) override;
    std::optional<TimePoint> earliest_due() override;
    std::vector<FiredTimer> take_due(TimePoint now, std::size_t limit) override;
    std::int64_t timer_count() override;

    std::vector<bool> enqueue_actions(std::span<const NewAction> actions) override;
    std::vector<StoredAction> next_ready(TimePoint now, std::size_t limit) override;
    std::optional<StoredAction> get_action(std::int64_t id) override;
    std::vector<StoredAction> own_actions_of(std::string_view entity_key,
                                             TimePoint done_after) override;
    void mark_action_in_flight(std::int64_t id) override;
    void mark_action_done(std::int64_t id, std::string_view result,
                          std::span<const JournalEntry> journal) override;
    void mark_action_failed(std::int64_t id, std::string_view error,
                            std::span<const JournalEntry> journal) override;
    void retry_action_at(std::int64_t id, TimePoint when, std::string_view error) override;
    void mark_action_unknown(std::int64_t id, TimePoint when, std::string_view error) override;
    std::int64_t mark_interrupted_actions_unknown() override;

    void append_journal(std::span<const JournalEntry> entries) override;
    std::vector<JournalEntry> query_journal(const JournalQuery& query) override;
    std::int64_t prune_journal(TimePoint before, std::size_t limit) override;

    std::optional<std::string> get_kv(std::string_view key) override;
    void put_kv(std::string_view key, std::string_view value) override;
    std::int64_t prune_marks(TimePoint before, std::size_t limit) override;

    void commit(const EngineCommit& work) override;

    StoreMetrics metrics(TimePoint now) override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reglament::store
