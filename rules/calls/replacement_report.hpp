// R5: the replacement request of the seed ("Как осуществляется сам процесс замены?"). A pure
// builder: the numbers that arrived in a period with their attempts in, the report out — the
// eligible numbers with every attempt as evidence, the ones whose plan broke with what broke
// (the provider refuses those), the request text, the share against the 30% cap, and CSV.
// Fetching the numbers from the portal is the CLI's job (`reglamentd replacement-report`).
#pragma once

#include <string>
#include <vector>

#include "rules/calls/eligibility.hpp"

namespace reglament::rules::calls {

struct ReplacementReportInput {
    TimePoint from, to;  // numbers that arrived in [from, to)
    TimePoint as_of;     // windows still open at this moment are "pending"
    std::string login;   // Логин клиента
    std::string script;  // Скрипт - ссылка
    double max_share = 0.30;
    // Placeholders {count}, {login}, {script}.
    std::string request_template;
};

struct ReportLine {
    NumberRecord number;
    Assessment assessment;
};

struct ReplacementReport {
    std::vector<ReportLine> eligible;     // in arrival order
    std::vector<ReportLine> plan_broken;  // never reached, plan not kept
    int total = 0;                        // numbers that arrived in the period
    int pending = 0;
    int not_eligible = 0;
    double share = 0;       // eligible / total
    bool over_cap = false;  // share > max_share: the provider caps replacements at it
    std::string request_text;
    std::string text;  // the human-readable report
    std::string csv;   // one row per eligible or broken number
};

ReplacementReport build_replacement_report(const std::vector<NumberRecord>& numbers,
                                           const ReplacementReportInput& input, const Calendar& cal,
                                           const DialPlanSpec& spec);

}  // namespace reglament::rules::calls
