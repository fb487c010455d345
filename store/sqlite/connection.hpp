// A thin RAII layer over one sqlite3 connection: cached prepared statements, binding, and
// errors that name the file. Private to the SQLite backend; nothing outside store/ includes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "store/records.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace reglament::store::sqlite {

class Connection;

// A cached statement in use: bind, step, read columns. Resets on destruction so no statement
// stays open and holds a read snapshot.
class Query {
  public:
    Query(Connection& conn, sqlite3_stmt* stmt, const char* sql);
    ~Query();
    Query(Query&& other) noexcept;
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Query& operator=(Query&&) = delete;

    // Strings as TEXT, integers and bools as INTEGER, TimePoint as INTEGER milliseconds since
    // the epoch, nullptr and empty optionals as NULL.
    template <typename T>
    Query& bind(int index, const T& value) {
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
            bind_null(index);
        } else if constexpr (is_optional<T>::value) {
            if (value) {
                bind(index, *value);
            } else {
                bind_null(index);
            }
        } else if constexpr (std::is_same_v<T, TimePoint>) {
            bind_integer(index, value.time_since_epoch().count());
        } else if constexpr (std::is_integral_v<T>) {
            bind_integer(index, static_cast<std::int64_t>(value));
        } else {
            bind_text(index, std::string_view(value));
        }
        return *this;
    }
    // Binds ?1, ?2, ... in order.
    template <typename... Args>
    Query& bind_all(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // True when a row is available; false when done. Throws on errors.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    std::int64_t integer(int column) const;
    std::string text(int column) const;  // NULL reads as ""
    bool is_null(int column) const;
    TimePoint time(int column) const;

  private:
    template <typename T>
    struct is_optional : std::false_type {};
    template <typename T>
    struct is_optional<std::optional<T>> : std::true_type {};

    void bind_text(int index, std::string_view text);
    void bind_integer(int index, std::int64_t value);
    void bind_null(int index);

    Connection& conn_;
    sqlite3_stmt* stmt_;
    const char* sql_;
};

class Connection {
  public:
    enum class Mode { read_write, read_only };
    Connection(std::string path, Mode mode, int busy_timeout_ms);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one or more statements without results (schema, pragmas).
    void exec(const char* sql);
    // Runs a pragma and returns the first column of its first row, if any.
    std::optional<std::string> pragma(const char* sql);
    // `sql` must outlive the connection (a string literal): statements are cached by its
    // address. The arguments are bound to ?1, ?2, ... (Query::bind_all).
    template <typename... Args>
    Query query(const char* sql, const Args&... args) {
        Query q = prepare(sql);
        q.bind_all(args...);
        return q;
    }
    // Runs a statement that returns no rows.
    template <typename... Args>
    void run(const char* sql, const Args&... args) {
        query(sql, args...).run();
    }

    std::int64_t last_insert_rowid() const;
    int changes() const;
    const std::string& path() const { return path_; }

    [[noreturn]] void fail(std::string_view what, int rc) const;

  private:
    Query prepare(const char* sql);

    sqlite3* db_ = nullptr;
    std::string path_;
    std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE (take the write lock now, so a transaction never fails half-way on a busy
// database); rolls back unless committed.
class Transaction {
  public:
    explicit Transaction(Connection& conn);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Connection& conn_;
    bool open_ = true;
};

}  // namespace reglament::store::sqlite
