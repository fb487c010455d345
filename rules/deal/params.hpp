// Typed reading of a D*/R* rule's [rules.<ID>] table (JSON from the config loader). Every
// problem reads "rules.<ID>.<key>: expected …" and reading goes on, so an admin sees them all.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace reglament::rules::deal {

class ParamReader {
  public:
    ParamReader(std::string rule_id, const nlohmann::json& table);

    std::string text(std::string_view key, std::string_view fallback);
    std::string required_text(std::string_view key, std::string_view fallback);
    bool boolean(std::string_view key, bool fallback);
    int integer(std::string_view key, int fallback, int min, int max);
    double number(std::string_view key, double fallback, double min, double max);
    // "HH:MM" → minutes since midnight.
    std::chrono::minutes time_of_day(std::string_view key, std::string_view fallback);
    std::vector<std::string> text_list(std::string_view key, std::vector<std::string> fallback,
                                       std::size_t exact_size = 0);
    std::vector<int> int_list(std::string_view key, std::vector<int> fallback);
    // A table of string → string (field code → label); keeps the given order of defaults.
    std::vector<std::pair<std::string, std::string>> text_pairs(
        std::string_view key, std::vector<std::pair<std::string, std::string>> fallback);

    void error(std::string_view key, std::string_view message);
    // The value every key read took (given or default): the example config's table.
    const nlohmann::json& effective() const { return effective_; }
    // Unknown keys are errors ("enabled" and "dry_run" belong to the engine).
    std::vector<std::string> finish();

  private:
    const nlohmann::json* find(std::string_view key);
    void remember(std::string_view key, const nlohmann::json* given, nlohmann::json fallback);
    std::string path(std::string_view key) const;

    std::string rule_id_;
    nlohmann::json table_;
    std::set<std::string, std::less<>> seen_;
    std::vector<std::string> errors_;
    nlohmann::json effective_ = nlohmann::json::object();
};

// "{name}" placeholders replaced; an unknown one is left as written so a typo shows.
std::string fill_text(std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace reglament::rules::deal
