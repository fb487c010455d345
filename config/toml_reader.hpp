// Reading a TOML table key by key while collecting every problem with its place: each read marks
// the key as known, and whatever is left unread is an unknown key (a typo must not silently
// disable a rule). Internal to config/.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/problem.hpp"

namespace reglament::config {

class Report {
  public:
    explicit Report(std::string file) : file_(std::move(file)) {}

    void error(const toml::source_region& where, std::string message);
    void warning(const toml::source_region& where, std::string message);
    const std::string& file() const { return file_; }
    std::vector<Problem>& errors() { return errors_; }
    std::vector<Problem>& warnings() { return warnings_; }
    std::size_t error_count() const { return errors_.size(); }

  private:
    Problem at(const toml::source_region& where, std::string message) const;

    std::string file_;
    std::vector<Problem> errors_;
    std::vector<Problem> warnings_;
};

// "a string", "an integer", … for "must be X, not Y" messages.
std::string_view describe(toml::node_type type);
// The closest of `candidates` to `word` when it is a plausible typo, else empty.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

class TableReader {
  public:
    // `name` is the table's dotted path for messages, e.g. "portal.oauth".
    TableReader(const toml::table& table, std::string name, Report& report);
    TableReader(const TableReader&) = delete;
    TableReader& operator=(const TableReader&) = delete;
    // Reports every key that was never read.
    ~TableReader();

    const toml::table& table() const { return table_; }
    const toml::source_region& where() const { return table_.source(); }
    std::string path(std::string_view key) const;
    Report& report() { return report_; }

    // The node, marking the key known; null when absent.
    const toml::node* node(std::string_view key);
    // Typed reads: nullopt when absent or of the wrong type (then an error is reported).
    std::optional<std::string> string(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<double> number(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    const toml::table* table(std::string_view key);
    const toml::array* array(std::string_view key);
    // An array whose every element is a string; bad elements are reported and skipped.
    std::optional<std::vector<std::string>> strings(std::string_view key);
    // Marks every remaining key known (the caller reads them generically).
    void accept_all();

  private:
    void wrong_type(std::string_view key, const toml::node& node, std::string_view expected);

    const toml::table& table_;
    std::string name_;
    Report& report_;
    std::set<std::string, std::less<>> read_;
};

}  // namespace reglament::config
