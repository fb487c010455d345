#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/tables.hpp"

namespace reglament::store {

using sqlite::Connection;
using sqlite::Transaction;

// Named, not anonymous: SqliteStore::Impl, which has external linkage, holds a WriterLock.
namespace store_detail {

// Held for the writer's lifetime: two daemons on one file would both run the engine and the
// outbox, doing every action twice. flock is released by the kernel when the process dies.
class WriterLock {
  public:
    explicit WriterLock(const std::string& db_path) : path_(db_path + ".lock") {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            throw StoreError("store " + db_path + ": cannot create lock file " + path_ + ": " +
                             std::strerror(errno));
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            ::close(fd_);
            throw StoreError(
                "store " + db_path +
                (error == EWOULDBLOCK
                     ? ": already opened for writing by another process (lock " + path_ + ")"
                     : ": cannot lock " + path_ + ": " + std::strerror(error)));
        }
    }
    ~WriterLock() { ::close(fd_); }
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

  private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace store_detail

using store_detail::WriterLock;

struct SqliteStore::Impl {
    std::string path;
    SqliteOptions options;
    std::unique_ptr<WriterLock> lock;
    std::mutex writer_mutex;
    std::unique_ptr<Connection> writer;
    std::mutex pool_mutex;
    std::vector<std::unique_ptr<Connection>> idle_readers;

    // A reader connection for the duration of one call; returned to the pool afterwards. Each
    // call gets its own, so a callback may read the store again while a scan is open.
    class Reader {
      public:
        explicit Reader(Impl& impl) : impl_(impl) {
            {
                std::lock_guard guard(impl_.pool_mutex);
                if (!impl_.idle_readers.empty()) {
                    conn_ = std::move(impl_.idle_readers.back());
                    impl_.idle_readers.pop_back();
                }
            }
            if (!conn_) conn_ = impl_.open_reader();
        }
        ~Reader() {
            std::lock_guard guard(impl_.pool_mutex);
            impl_.idle_readers.push_back(std::move(conn_));
        }
        Reader(const Reader&) = delete;
        Reader& operator=(const Reader&) = delete;
        Connection& operator*() { return *conn_; }

      private:
        Impl& impl_;
        std::unique_ptr<Connection> conn_;
    };

    // Every commit of the writer empties the readers' page caches (WAL), so a rule step re-reads
    // its pages: through a memory map that is a copy from the page cache instead of a pread each.
    static void tune_reads(Connection& conn) {
        conn.exec("PRAGMA mmap_size = 268435456");
        conn.exec("PRAGMA cache_size = -16384");
    }

    std::unique_ptr<Connection> open_reader() {
        const auto mode =
            options.read_only ? Connection::Mode::read_only : Connection::Mode::read_write;
        auto conn = std::make_unique<Connection>(path, mode,
                                                 static_cast<int>(options.busy_timeout.count()));
        conn->exec("PRAGMA query_only = ON");
        tune_reads(*conn);
        return conn;
    }

    // Runs `work` on the writer connection inside one transaction.
    template <typename Work>
    auto write(Work&& work) {
        if (!writer) throw StoreError("store " + path + ": opened read-only");
        std::lock_guard guard(writer_mutex);
        Transaction tx(*writer);
        if constexpr (std::is_void_v<decltype(work(*writer))>) {
            work(*writer);
            tx.commit();
        } else {
            auto result = work(*writer);
            tx.commit();
            return result;
        }
    }

    template <typename Work>
    auto read(Work&& work) {
        Reader reader(*this);
        return work(*reader);
    }

    void open_writer() {
        lock = std::make_unique<WriterLock>(path);
        writer = std::make_unique<Connection>(path, Connection::Mode::read_write,
                                              static_cast<int>(options.busy_timeout.count()));
        const auto mode = writer->pragma("PRAGMA journal_mode = WAL");
        if (mode != "wal") {
            throw StoreError("store " + path + ": cannot switch to WAL mode (got " +
                             mode.value_or("nothing") + "); is the file on a local file system?");
        }
        writer->exec(options.sync == SqliteOptions::Sync::full ? "PRAGMA synchronous = FULL"
                                                               : "PRAGMA synchronous = NORMAL");
        writer->exec("PRAGMA foreign_keys = ON");
        tune_reads(*writer);
        // After a burst the WAL file is truncated back to this size at checkpoints instead of
        // keeping its peak size on disk.
        writer->exec("PRAGMA journal_size_limit = 67108864");
        sqlite::migrate(*writer);
    }

    void open_writer_beside_daemon() {
        writer = std::make_unique<Connection>(path, Connection::Mode::read_write,
                                              static_cast<int>(options.busy_timeout.count()));
        writer->exec("PRAGMA synchronous = FULL");
        writer->exec("PRAGMA foreign_keys = ON");
    }

    void check_readable_schema() {
        Reader reader(*this);
        const int version = sqlite::current_schema_version(*reader);
        if (version != sqlite::latest_schema_version()) {
            throw StoreError("store " + path + ": schema version " + std::to_string(version) +
                             ", this reglamentd reads version " +
                             std::to_string(sqlite::latest_schema_version()) +
                             " (start the daemon once to migrate)");
        }
    }
};

SqliteStore::SqliteStore(const std::filesystem::path& path, SqliteOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->path = path.string();
    impl_->options = options;
    if (options.read_only || options.beside_daemon) {
        if (!std::filesystem::exists(path)) {
            throw StoreError("store " + impl_->path + ": no such database file");
        }
        impl_->check_readable_schema();
        if (options.beside_daemon) impl_->open_writer_beside_daemon();
    } else {
        impl_->open_writer();
    }
}

SqliteStore::~SqliteStore() {
    // Readers first: the last connection to close checkpoints the WAL into the main file.
    impl_->idle_readers.clear();
    impl_->writer.reset();
}

int SqliteStore::schema_version() {
    return impl_->read([](Connection& c) { return sqlite::current_schema_version(c); });
}

int SqliteStore::latest_schema_version() {
    return sqlite::latest_schema_version();
}

// ---- inbox ----

std::vector<AppendResult> SqliteStore::append_events(std::span<const InboxEvent> events) {
    return impl_->write([&](Connection& c) {
        std::vector<AppendResult> results;
        results.reserve(events.size());
        for (const auto& event : events)
            results.push_back(sqlite::insert_event(c, event));
        return results;
    });
}

std::vector<StoredEvent> SqliteStore::next_pending(std::size_t limit,
                                                   std::optional<TimePoint> ready_at) {
    return impl_->read(
        [&](Connection& c) { return sqlite::select_pending_events(c, limit, ready_at); });
}

bool SqliteStore::has_held_events() {
    return impl_->read([&](Connection& c) { return sqlite::any_held_event(c); });
}

void SqliteStore::mark_events_done(std::span<const std::int64_t> ids) {
    impl_->write([&](Connection& c) { sqlite::set_events_done(c, ids); });
}

void SqliteStore::record_event_failures(std::span<const EventFailure> failures,
                                        std::span<const JournalEntry> journal) {
    impl_->write([&](Connection& c) {
        for (const auto& failure : failures)
            sqlite::count_event_failure(c, failure);
        for (const auto& line : journal)
            sqlite::insert_journal_entry(c, line);
    });
}

std::vector<StoredEvent> SqliteStore::parked_events(std::size_t limit) {
    return impl_->read([&](Connection& c) { return sqlite::select_parked_events(c, limit); });
}

std::vector<StoredAction> SqliteStore::parked_actions(std::size_t limit) {
    return impl_->read([&](Connection& c) { return sqlite::select_failed_actions(c, limit); });
}

std::int64_t SqliteStore::requeue_events(std::optional<std::int64_t> id) {
    return impl_->write([&](Connection& c) { return sqlite::requeue_parked_events(c, id); });
}

std::int64_t SqliteStore::requeue_actions(std::optional<std::int64_t> id) {
    return impl_->write([&](Connection& c) { return sqlite::requeue_failed_actions(c, id); });
}

std::int64_t SqliteStore::prune_done_events(TimePoint before, std::size_t limit) {
    return impl_->write(
        [&](Connection& c) { return sqlite::delete_done_events(c, before, limit); });
}

// ---- snapshots, rule state, kv ----

std::optional<Snapshot> SqliteStore::get_snapshot(std::string_view entity_key) {
    return impl_->read([&](Connection& c) { return sqlite::select_snapshot(c, entity_key); });
}

void SqliteStore::put_snapshot(const Snapshot& snapshot) {
    impl_->write([&](Connection& c) { sqlite::write_snapshot(c, snapshot); });
}

void SqliteStore::erase_snapshot(std::string_view entity_key) {
    impl_->write([&](Connection& c) { sqlite::delete_snapshot(c, entity_key); });
}

std::vector<Snapshot> SqliteStore::find_snapshots(std::string_view term_name,
                                                  std::string_view value) {
    return impl_->read(
        [&](Connection& c) { return sqlite::select_snapshots_by_term(c, term_name, value); });
}

void SqliteStore::for_each_snapshot(std::string_view prefix,
                                    const std::function<void(const Snapshot&)>& visit) {
    impl_->read([&](Connection& c) { sqlite::scan_snapshots(c, prefix, visit); });
}

void SqliteStore::for_each_open_snapshot(std::string_view prefix,
                                         const std::function<void(const Snapshot&)>& visit) {
    impl_->read([&](Connection& c) { sqlite::scan_open_snapshots(c, prefix, visit); });
}

std::int64_t SqliteStore::prune_closed_snapshots(TimePoint before, std::size_t limit) {
    return impl_->write(
        [&](Connection& c) { return sqlite::delete_closed_snapshots(c, before, limit); });
}

bool SqliteStore::was_forgotten(std::string_view entity_key) {
    return impl_->read([&](Connection& c) { return sqlite::select_forgotten(c, entity_key); });
}

std::optional<RuleState> SqliteStore::get_rule_state(std::string_view rule_id,
                                                     std::string_view entity_key) {
    return impl_->read(
        [&](Connection& c) { return sqlite::select_rule_state(c, rule_id, entity_key); });
}

void SqliteStore::put_rule_state(const RuleState& state) {
    impl_->write([&](Connection& c) { sqlite::write_rule_state(c, state); });
}

std::optional<std::string> SqliteStore::get_kv(std::string_view key) {
    return impl_->read([&](Connection& c) { return sqlite::select_kv(c, key); });
}

void SqliteStore::put_kv(std::string_view key, std::string_view value) {
    impl_->write([&](Connection& c) { sqlite::write_kv(c, key, value); });
}

std::int64_t SqliteStore::prune_marks(TimePoint before, std::size_t limit) {
    return impl_->write([&](Connection& c) { return sqlite::delete_old_marks(c, before, limit); });
}

// ---- timers ----

void SqliteStore::upsert_timer(const Timer& timer) {
    impl_->write([&](Connection& c) { sqlite::write_timer(c, timer); });
}

bool SqliteStore::cancel_timer(const TimerKey& key) {
    return impl_->write([&](Connection& c) { return sqlite::delete_timer(c, key); });
}

std::optional<TimePoint> SqliteStore::earliest_due() {
    return impl_->read([](Connection& c) { return sqlite::select_earliest_due(c); });
}

std::vector<FiredTimer> SqliteStore::take_due(TimePoint now, std::size_t limit) {
    return impl_->write([&](Connection& c) { return sqlite::fire_due_timers(c, now, limit); });
}

std::int64_t SqliteStore::timer_count() {
    return impl_->read([](Connection& c) { return sqlite::count_timers(c); });
}

// ---- outbox ----

std::vector<bool> SqliteStore::enqueue_actions(std::span<const NewAction> actions) {
    return impl_->write([&](Connection& c) {
        std::vector<bool> stored;
        stored.reserve(actions.size());
        for (const auto& action : actions)
            stored.push_back(sqlite::insert_action(c, action));
        return stored;
    });
}

std::vector<StoredAction> SqliteStore::next_ready(TimePoint now, std::size_t limit) {
    return impl_->read([&](Connection& c) { return sqlite::select_ready_actions(c, now, limit); });
}

std::vector<StoredAction> SqliteStore::own_actions_of(std::string_view entity_key,
                                                      TimePoint done_after) {
    return impl_->read(
        [&](Connection& c) { return sqlite::select_own_actions(c, entity_key, done_after); });
}

std::optional<StoredAction> SqliteStore::get_action(std::int64_t id) {
    return impl_->read([&](Connection& c) { return sqlite::select_action(c, id); });
}

void SqliteStore::mark_action_in_flight(std::int64_t id) {
    impl_->write([&](Connection& c) { sqlite::set_action_in_flight(c, id); });
}

void SqliteStore::mark_action_done(std::int64_t id, std::string_view result,
                                   std::span<const JournalEntry> journal) {
    impl_->write([&](Connection& c) {
        sqlite::set_action_done(c, id, result);
        for (const auto& entry : journal)
            sqlite::insert_journal_entry(c, entry);
    });
}

void SqliteStore::mark_action_failed(std::int64_t id, std::string_view error,
                                     std::span<const JournalEntry> journal) {
    impl_->write([&](Connection& c) {
        sqlite::set_action_failed(c, id, error);
        for (const auto& entry : journal)
            sqlite::insert_journal_entry(c, entry);
    });
}

void SqliteStore::retry_action_at(std::int64_t id, TimePoint when, std::string_view error) {
    impl_->write([&](Connection& c) {
        sqlite::set_action_waiting(c, id, ActionStatus::pending, when, error);
    });
}

void SqliteStore::mark_action_unknown(std::int64_t id, TimePoint when, std::string_view error) {
    impl_->write([&](Connection& c) {
        sqlite::set_action_waiting(c, id, ActionStatus::unknown, when, error);
    });
}

std::int64_t SqliteStore::mark_interrupted_actions_unknown() {
    return impl_->write([](Connection& c) { return sqlite::set_in_flight_unknown(c); });
}

// ---- journal ----

void SqliteStore::append_journal(std::span<const JournalEntry> entries) {
    impl_->write([&](Connection& c) {
        for (const auto& entry : entries)
            sqlite::insert_journal_entry(c, entry);
    });
}

std::vector<JournalEntry> SqliteStore::query_journal(const JournalQuery& query) {
    return impl_->read([&](Connection& c) { return sqlite::select_journal(c, query); });
}

std::int64_t SqliteStore::prune_journal(TimePoint before, std::size_t limit) {
    return impl_->write(
        [&](Connection& c) { return sqlite::delete_journal_before(c, before, limit); });
}

// ---- unit of work ----

void SqliteStore::commit(const EngineCommit& work) {
    impl_->write([&](Connection& c) {
        for (const auto& action : work.outbox_actions)
            sqlite::insert_action(c, action);
        for (const auto& timer : work.timer_upserts)
            sqlite::write_timer(c, timer);
        for (const auto& key : work.timer_cancels)
            sqlite::delete_timer(c, key);
        for (const auto& state : work.rule_states)
            sqlite::write_rule_state(c, state);
        for (const auto& key : work.rule_state_erases)
            sqlite::delete_rule_state(c, key);
        for (const auto& snapshot : work.snapshots)
            sqlite::write_snapshot(c, snapshot);
        for (const auto& key : work.snapshot_erases)
            sqlite::delete_snapshot(c, key);
        for (const auto& entry : work.journal_entries)
            sqlite::insert_journal_entry(c, entry);
        for (const auto& [key, value] : work.kv_puts)
            sqlite::write_kv(c, key, value);
        sqlite::set_events_done(c, work.done_event_ids);
    });
}

// ---- metrics ----

StoreMetrics SqliteStore::metrics(TimePoint now) {
    return impl_->read([&](Connection& c) { return sqlite::collect_metrics(c, now); });
}

namespace sqlite {

StoreMetrics collect_metrics(Connection& conn, TimePoint now) {
    StoreMetrics m;
    // Every count reads a partial index (or the timers' due_at index), never the done rows.
    auto count = [&](const char* sql) {
        auto q = conn.query(sql);
        q.step();
        return q.integer(0);
    };
    auto age_of_oldest = [&](const char* sql) -> std::optional<std::chrono::milliseconds> {
        auto q = conn.query(sql);
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return now - q.time(0);
    };
    m.inbox_pending = count("SELECT count(*) FROM inbox WHERE status = 'pending'");
    m.inbox_failed = count("SELECT count(*) FROM inbox WHERE status = 'failed'");
    m.inbox_oldest_pending_age =
        age_of_oldest("SELECT received_at FROM inbox WHERE status = 'pending' ORDER BY id LIMIT 1");
    m.outbox_open =
        count("SELECT count(*) FROM outbox WHERE status IN ('pending', 'in_flight', 'unknown')");
    // The IN term repeats outbox_runnable's condition so that its partial index is used.
    m.outbox_unknown = count(
        "SELECT count(*) FROM outbox WHERE status IN ('pending', 'unknown') "
        "AND status = 'unknown'");
    m.outbox_failed = count("SELECT count(*) FROM outbox WHERE status = 'failed'");
    m.outbox_oldest_open_age = age_of_oldest(
        "SELECT min(created_at) FROM outbox "
        "WHERE status IN ('pending', 'in_flight', 'unknown')");
    m.timers = count_timers(conn);
    m.timers_due = count_due_timers(conn, now);
    m.earliest_timer = select_earliest_due(conn);
    return m;
}

void require_key(const Connection& conn, std::string_view what, std::string_view value) {
    if (value.empty())
        throw StoreError("store " + conn.path() + ": " + std::string(what) + " is empty");
}

}  // namespace sqlite

}  // namespace reglament::store
