// `reglamentd replacement-report --config FILE --from DATE --to DATE [--login LOGIN]
// [--script URL] [--csv FILE]` (R4/R5, seed: number-replacement-regulation): reads the leads
// that arrived in [from, to] and their calls from the portal (crm.lead.list,
// voximplant.statistic.get), measures each number against the dial plan and prints the
// replacement request: the eligible numbers with every attempt as evidence, the request text,
// the share against the cap, and the numbers whose plan broke with what broke.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/calls/eligibility.hpp"

namespace reglament::daemon {

struct ReplacementReportOptions {
    std::string config_path;
    std::string from;  // "2026-03-02" (local day of the calendar) or ISO 8601 with an offset
    std::string to;    // inclusive when a day
    std::optional<std::string> login;   // default: [rules.R5] login
    std::optional<std::string> script;  // default: [rules.R5] script
    std::optional<std::string> csv;     // write the CSV here
};

int replacement_report_command(const ReplacementReportOptions& options);

// Pure: crm.lead.list rows and voximplant.statistic.get rows → one record per lead with a
// phone; a call belongs to the lead it names (CRM_ENTITY_TYPE LEAD), else to the leads with its
// number. Only outgoing calls are attempts. `qualifying_field` = `no_value` marks "answered no".
std::vector<rules::calls::NumberRecord> number_records(const nlohmann::json& leads,
                                                       const nlohmann::json& calls,
                                                       const std::string& qualifying_field,
                                                       const std::string& no_value);

}  // namespace reglament::daemon
