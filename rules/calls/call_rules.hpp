// Constructors of the call-attempt rules R1–R4 (seed: number-replacement-regulation). A "new
// number" is a lead created with a phone; attempts are the calls routed to that lead
// (call_ended events, ONVOXIMPLANTCALLEND), never the tasks.
#pragma once

#include <memory>

#include "rules/calls/dial_plan.hpp"
#include "rules/deal/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules::calls {

using deal::ParamReader;

// Keys attempts_per_day, min_gap_minutes, first_call_hours.
DialPlanSpec read_dial_plan(ParamReader& p);

std::unique_ptr<Rule> make_r1_first_call(ParamReader& p);
std::unique_ptr<Rule> make_r2_dial_plan(ParamReader& p);
std::unique_ptr<Rule> make_r3_call_result(ParamReader& p);
std::unique_ptr<Rule> make_r4_eligibility(ParamReader& p);

}  // namespace reglament::rules::calls
