// The seam between the common rule factory (make_rule, lead branch) and the deal pipeline (D1–
// D7) and call-attempt (R1–R5) rules: each is built from its [rules.<ID>] table as JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/calls/replacement_report.hpp"
#include "rules/rule.hpp"

namespace reglament::rules::deal {

// D1…D7 and R1…R5.
bool is_deal_or_call_rule(std::string_view id);
// The rule for D1–D7, R1–R4; nullptr for any other id, and for R5, which is a report
// (rules/calls/replacement_report.hpp), not an engine rule. Throws std::invalid_argument with
// every problem of the table ("rules.D5.sheet_by: expected HH:MM").
std::unique_ptr<Rule> make_deal_or_call_rule(std::string_view id, const nlohmann::json& params);
// Every problem of the table, empty when it is valid (or the id is not D*/R*).
std::vector<std::string> validate_deal_or_call_params(std::string_view id,
                                                      const nlohmann::json& params);

// Every parameter of the rule with its default, for the example config and check-config's
// documentation; null for an id that is not D*/R*.
nlohmann::json deal_or_call_rule_defaults(std::string_view id);

// [rules.R5]: max_share, login, script, request_text; [rules.R2]-style dial plan keys. The CLI
// fills from/to/as_of. Throws std::invalid_argument like make_deal_or_call_rule.
struct ReplacementSettings {
    calls::ReplacementReportInput input;
    calls::DialPlanSpec plan;
};
ReplacementSettings replacement_settings(const nlohmann::json& params);

}  // namespace reglament::rules::deal
