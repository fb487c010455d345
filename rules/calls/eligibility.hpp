// R4: which numbers the provider replaces (seed, "Какие номера подлежат замене"): never reached
// in 3 working days despite the full dial plan, or reached within them and answered "no" to the
// script's qualifying questions. A never-reached number whose plan broke is not eligible: the
// provider refuses it, so it is told apart with what broke. Condition 3 (the first call within
// 6 working hours) is stated per number: a number first called later is never eligible, even
// when the client was reached and said "no".
#pragma once

#include <string>
#include <vector>

#include "rules/calls/dial_plan.hpp"

namespace reglament::rules::calls {

struct NumberRecord {
    std::string phone;
    std::string lead_id;
    TimePoint arrived;
    std::vector<Attempt> attempts;  // outgoing calls to the number, any order
    bool answered_no = false;       // the qualifying field says "no"
};

enum class Verdict {
    eligible,      // replace it
    plan_broken,   // never reached, but the plan was not kept
    not_eligible,  // reached and qualified (or not "no")
    pending,       // the 3 working days are not over and nothing decides it yet
};

struct Assessment {
    Verdict verdict = Verdict::pending;
    std::string basis;  // "never_reached" or "answered_no" when eligible
    PlanCheck check;
};

Assessment assess_number(const NumberRecord& number, TimePoint as_of, const Calendar& cal,
                         const DialPlanSpec& spec);

}  // namespace reglament::rules::calls
