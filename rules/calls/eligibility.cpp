#include "rules/calls/eligibility.hpp"

namespace reglament::rules::calls {

Assessment assess_number(const NumberRecord& number, TimePoint as_of, const Calendar& cal,
                         const DialPlanSpec& spec) {
    Assessment a;
    a.check = check_plan(number.arrived, number.attempts, cal, spec);
    if (a.check.reached) {
        a.verdict = number.answered_no ? Verdict::eligible : Verdict::not_eligible;
        if (number.answered_no) a.basis = "answered_no";
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
