#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <utility>

#include "store/store_error.hpp"

namespace reglament::store::sqlite {

namespace {

// Memory statistics make every sqlite3_malloc take a process-wide mutex; nothing here reads
// them, and under intake load the group-commit thread spent ~6 % of its time in that lock.
// Only possible before SQLite initializes, i.e. before the first connection opens; later
// (an embedding program initialized it first) the call is refused and changes nothing.
void configure_sqlite_once() {
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

}  // namespace

Connection::Connection(std::string path, Mode mode, int busy_timeout_ms) : path_(std::move(path)) {
    configure_sqlite_once();
    const int flags = (mode == Mode::read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "store " + path_ + ": cannot open: " +
                              (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Connection::~Connection() {
    for (auto& [sql, stmt] : statements_)
        sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

void Connection::fail(std::string_view what, int rc) const {
    std::string message = "store " + path_ + ": " + std::string(what) + ": " +
                          (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) + " (" +
                          sqlite3_errstr(rc) + ")";
    throw StoreError(message);
}

void Connection::exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error != nullptr ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw StoreError("store " + path_ + ": " + message + " (" + sqlite3_errstr(rc) +
                         ") while running: " + std::string(sql).substr(0, 80));
    }
}

std::optional<std::string> Connection::pragma(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(sql, rc);
    std::optional<std::string> value;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(stmt, 0);
        value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) fail(sql, rc);
    return value;
}

Query Connection::prepare(const char* sql) {
    auto [it, fresh] = statements_.try_emplace(sql, nullptr);
    if (fresh) {
        const int rc =
            sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr);
        if (rc != SQLITE_OK) {
            statements_.erase(it);
            fail(std::string("prepare ") + sql, rc);
        }
    }
    return Query(*this, it->second, sql);
}

std::int64_t Connection::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int Connection::changes() const {
    return sqlite3_changes(db_);
}

// ---- Query ----

Query::Query(Connection& conn, sqlite3_stmt* stmt, const char* sql)
    : conn_(conn), stmt_(stmt), sql_(sql) {}

Query::Query(Query&& other) noexcept
    : conn_(other.conn_), stmt_(std::exchange(other.stmt_, nullptr)), sql_(other.sql_) {}

Query::~Query() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

void Query::bind_text(int index, std::string_view text) {
    const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                     SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) conn_.fail(std::string("bind ") + sql_, rc);
}

void Query::bind_integer(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) conn_.fail(std::string("bind ") + sql_, rc);
}

void Query::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) conn_.fail(std::string("bind ") + sql_, rc);
}

bool Query::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    conn_.fail(sql_, rc);
}

void Query::run() {
    while (step()) {
    }
}

std::int64_t Query::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Query::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Query::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

TimePoint Query::time(int column) const {
    return TimePoint(std::chrono::milliseconds(integer(column)));
}

// ---- Transaction ----

Transaction::Transaction(Connection& conn) : conn_(conn) {
    conn_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!open_) return;
    try {
        conn_.exec("ROLLBACK");
    } catch (const StoreError&) {
        // A failed statement may already have rolled the transaction back (e.g. SQLITE_FULL).
    }
}

void Transaction::commit() {
    conn_.exec("COMMIT");
    open_ = false;
}

}  // namespace reglament::store::sqlite
