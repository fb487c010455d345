// From a [rules.<ID>] table to a Rule: the config loader hands each table over as JSON
// (config.hpp RuleSettings::params); check-config asks validate_rule_params for every problem.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/rule.hpp"

namespace reglament::rules {

// The ids this module implements, in REGULATIONS.md order. Besides these, "C3", "C4" … are
// further cadences of C1's shape that an admin defines in config without code.
std::vector<std::string_view> implemented_rule_ids();

// Throws std::invalid_argument: "rules.L4.call_within_minutes: expected a positive integer"
// (every problem, one per line), or "rules.X9: no such rule".
std::unique_ptr<Rule> make_rule(std::string_view id, const nlohmann::json& params);

// Every problem of the table, empty when make_rule would succeed.
std::vector<std::string> validate_rule_params(std::string_view id, const nlohmann::json& params);

// Every parameter of the rule with its default value: the [rules.<ID>] table of the example
// config (the seeds' wording), and what an admin may override.
nlohmann::json rule_defaults(std::string_view id);

// Things to log at start that are not errors (a cadence step whose template slot is empty).
std::vector<std::string> rule_param_warnings(std::string_view id, const nlohmann::json& params);

}  // namespace reglament::rules
