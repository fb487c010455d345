// Typed reading of one rule's parameters from its [rules.<ID>] table, handed over as JSON by the
// config loader. Every problem is reported as "rules.<ID>.<key>: <what was expected>" so an admin
// finds the line; reading goes on after a problem so check-config lists them all at once.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace reglament::rules {

class Params {
  public:
    Params(std::string rule_id, const nlohmann::json& table);

    const std::string& rule_id() const { return rule_id_; }
    // "rules.L4.call_within_minutes"
    std::string path(std::string_view key) const;

    bool boolean(std::string_view key, bool fallback);
    int positive_int(std::string_view key, int fallback);
    int non_negative_int(std::string_view key, int fallback);
    std::chrono::minutes positive_minutes(std::string_view key, int fallback);
    // Any string, empty allowed (an empty template slot, an unused field code).
    std::string text(std::string_view key, std::string_view fallback);
    // A string that must not be empty (status ids, task titles).
    std::string required_text(std::string_view key, std::string_view fallback);
    std::vector<std::string> text_list(std::string_view key, std::vector<std::string> fallback);
    std::string one_of(std::string_view key, std::string_view fallback,
                       const std::vector<std::string>& choices);
    // Raw access for structured values (cadence steps); marks the key as known.
    const nlohmann::json* raw(std::string_view key);

    void error(std::string_view key, std::string_view message);
    void error_at(const std::string& full_path, std::string_view message);
    void warn_at(const std::string& full_path, std::string_view message);

    // The value each key took (given or default), for documenting the defaults.
    void record(std::string_view key, nlohmann::json value);
    const nlohmann::json& effective() const { return effective_; }

    // Unknown keys become errors ("enabled" and "dry_run" belong to the engine); returns all.
    std::vector<std::string> finish();
    const std::vector<std::string>& warnings() const { return warnings_; }

  private:
    const nlohmann::json* find(std::string_view key);
    bool boolean_value(std::string_view key, bool fallback);
    int positive_int_value(std::string_view key, int fallback);
    int non_negative_int_value(std::string_view key, int fallback);
    std::string text_value(std::string_view key, std::string_view fallback);
    std::string required_text_value(std::string_view key, std::string_view fallback);
    std::vector<std::string> text_list_value(std::string_view key,
                                             std::vector<std::string> fallback);
    std::string one_of_value(std::string_view key, std::string_view fallback,
                             const std::vector<std::string>& choices);

    std::string rule_id_;
    nlohmann::json table_;
    nlohmann::json effective_ = nlohmann::json::object();
    std::set<std::string, std::less<>> seen_;
    std::vector<std::string> errors_;
    std::vector<std::string> warnings_;
};

// "{name}" placeholders replaced by values; an unknown placeholder is left as written so a typo
// in config shows in the portal instead of vanishing.
std::string fill(std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace reglament::rules
