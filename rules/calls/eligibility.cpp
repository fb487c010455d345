#include "rules/calls/eligibility.hpp"

#include <string>

namespace reglament::rules::calls {
namespace {

// The seed's condition 3 is stated per number: a first call later than `first_within` working
// hours breaks the client's side of the contract for that number, whatever was answered later.
bool first_call_late(const NumberRecord& number, const PlanCheck& check, const Calendar& cal,
                     const DialPlanSpec& spec) {
    return !check.first_call || cal.working_time_between(number.arrived, *check.first_call) >
                                    std::chrono::milliseconds(spec.first_within);
}

}  // namespace

Assessment assess_number(const NumberRecord& number, TimePoint as_of, const Calendar& cal,
                         const DialPlanSpec& spec) {
    Assessment a;
    a.check = check_plan(number.arrived, number.attempts, cal, spec);
    if (a.check.reached) {
        if (!number.answered_no) {
            a.verdict = Verdict::not_eligible;
            return a;
        }
        if (first_call_late(number, a.check, cal, spec)) {
            // Only condition 3 counts against a reached number: the attempts after the answer
            // were never owed.
            a.check.breaks = {"первый звонок позже " +
                              std::to_string(spec.first_within.count() / 60) + " рабочих часов"};
            a.verdict = Verdict::plan_broken;
            return a;
        }
        a.verdict = Verdict::eligible;
        a.basis = "answered_no";
        return a;
    }
    if (as_of < plan_window_end(number.arrived, cal, spec)) return a;
    if (a.check.breaks.empty()) {
        a.verdict = Verdict::eligible;
        a.basis = "never_reached";
    } else {
        a.verdict = Verdict::plan_broken;
    }
    return a;
}

}  // namespace reglament::rules::calls
