#include "rules/calls/replacement_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"
#include "rules/deal/params.hpp"

namespace reglament::rules::calls {
namespace {

std::string attempt_text(const Calendar& cal, const Attempt& a) {
    return deal::moment_text(cal, a.at) + " " + std::to_string(a.duration_seconds) + " с " +
           (a.result.empty() ? "-" : a.result);
}

std::string attempts_text(const Calendar& cal, const NumberRecord& n) {
    auto sorted = n.attempts;
    std::sort(sorted.begin(), sorted.end(),
              [](const Attempt& a, const Attempt& b) { return a.at < b.at; });
    std::string out;
    for (const auto& a : sorted)
        out += (out.empty() ? "" : "; ") + attempt_text(cal, a);
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : "; ") + item;
    return out;
}

std::string basis_text(const std::string& basis) {
    return basis == "answered_no" ? "ответил «нет» на вопросы скрипта"
                                  : "не дозвонились за 3 рабочих дня";
}

// RFC 4180: a field with a separator, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char ch : s)
        out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return out + "\"";
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
    return buf;
}

}  // namespace

ReplacementReport build_replacement_report(const std::vector<NumberRecord>& numbers,
                                           const ReplacementReportInput& input, const Calendar& cal,
                                           const DialPlanSpec& spec) {
    ReplacementReport r;
    std::vector<const NumberRecord*> in_period;
    for (const auto& n : numbers)
        if (n.arrived >= input.from && n.arrived < input.to) in_period.push_back(&n);
    std::stable_sort(in_period.begin(), in_period.end(),
                     [](const auto* a, const auto* b) { return a->arrived < b->arrived; });
    r.total = static_cast<int>(in_period.size());
    for (const auto* n : in_period) {
        auto a = assess_number(*n, input.as_of, cal, spec);
        switch (a.verdict) {
            case Verdict::eligible:
                r.eligible.push_back({*n, a});
                break;
            case Verdict::plan_broken:
                r.plan_broken.push_back({*n, a});
                break;
            case Verdict::pending:
                ++r.pending;
                break;
            case Verdict::not_eligible:
                ++r.not_eligible;
                break;
        }
    }
    r.share = r.total ? static_cast<double>(r.eligible.size()) / r.total : 0.0;
    // A tolerance so exactly 30% is not "over" through floating-point noise.
    r.over_cap = r.share > input.max_share + 1e-9;
    auto tmpl = input.request_template.empty() ? std::string(deal::defaults::r5::request_text)
                                               : input.request_template;
    r.request_text = deal::fill_text(tmpl, {{"count", std::to_string(r.eligible.size())},
                                            {"login", input.login},
                                            {"script", input.script}});

    std::string t;
    t += "Номеров за период: " + std::to_string(r.total) + "\n";
    t += "На замену: " + std::to_string(r.eligible.size()) + " (" + percent(r.share) + ", предел " +
         percent(input.max_share) + ")\n";
    if (r.over_cap)
        t += "ВНИМАНИЕ: доля замен больше " + percent(input.max_share) +
             ": поставщик начислит не более этой доли.\n";
    t += "План дозвона нарушен: " + std::to_string(r.plan_broken.size()) +
         ", окно 3 рабочих дней не закрыто: " + std::to_string(r.pending) + "\n\n";
    t += "Подлежат замене:\n";
    for (const auto& line : r.eligible)
        t += "  " + line.number.phone + " (лид " + line.number.lead_id + ", поступил " +
             deal::moment_text(cal, line.number.arrived) +
             "): " + basis_text(line.assessment.basis) +
             ". Попытки: " + attempts_text(cal, line.number) + "\n";
    t += "\nПлан дозвона нарушен (поставщик откажет):\n";
    for (const auto& line : r.plan_broken)
        t += "  " + line.number.phone + " (лид " + line.number.lead_id +
             "): " + joined(line.assessment.check.breaks) +
             ". Попытки: " + attempts_text(cal, line.number) + "\n";
    t += "\n" + r.request_text + "\n";
    r.text = t;

    std::string csv = "phone,lead_id,arrived,verdict,basis_or_breaks,attempts\n";
    auto row = [&](const ReportLine& line, const std::string& verdict, const std::string& why) {
        csv += csv_field(line.number.phone) + "," + csv_field(line.number.lead_id) + "," +
               csv_field(deal::moment_text(cal, line.number.arrived)) + "," + verdict + "," +
               csv_field(why) + "," + csv_field(attempts_text(cal, line.number)) + "\n";
    };
    for (const auto& line : r.eligible)
        row(line, "eligible", basis_text(line.assessment.basis));
    for (const auto& line : r.plan_broken)
        row(line, "plan_broken", joined(line.assessment.check.breaks));
    r.csv = csv;
    return r;
}

}  // namespace reglament::rules::calls
