// The dial plan of the number-replacement regulation (seed: number-replacement-regulation,
// items 3 and 4): the first call within 6 working hours of the number's arrival, then at least
// 5 attempts in 3 working days — 3 on day 1 at least an hour apart, 1 on day 2, 1 on day 3.
// Pure arithmetic over the calendar, shared by the rules (R1/R2/R4) and the report (R5).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "rules/calendar.hpp"

namespace reglament::rules::calls {

struct DialPlanSpec {
    std::vector<int> per_day{3, 1, 1};
    std::chrono::minutes min_gap{60};           // between attempts of one day (wall clock)
    std::chrono::minutes first_within{6 * 60};  // working time from arrival to the first call
    int total() const;
};

// The plan's working days: day 1 is the day of the first working moment at or after arrival.
std::vector<date::local_days> plan_days(TimePoint arrived, const Calendar& cal,
                                        const DialPlanSpec& spec);
// When the plan's window closes: the end of its last working day.
TimePoint plan_window_end(TimePoint arrived, const Calendar& cal, const DialPlanSpec& spec);

// The next call task the plan asks for, given the attempts made so far (outgoing calls, any
// result) and the time now; nullopt when no slot of the plan is left.
struct NextAttempt {
    int slot = 0;  // 1-based position in the plan: day 1 holds 1..3, day 2 holds 4, day 3 holds 5
    int day = 0;   // 1-based plan day
    TimePoint due;
    TimePoint deadline;
};
std::optional<NextAttempt> next_attempt(TimePoint arrived, const std::vector<TimePoint>& calls,
                                        TimePoint now, const Calendar& cal,
                                        const DialPlanSpec& spec);

// One call to a number as the call log shows it.
struct Attempt {
    TimePoint at;
    int duration_seconds = 0;
    std::string result;  // CALL_FAILED_CODE: "200", "304", "486" …
    bool answered = false;
};

// How a number's attempts in the plan's window measure against the plan.
struct PlanCheck {
    int attempts_in_window = 0;
    std::vector<int> per_day;  // attempts spaced at least min_gap apart, per plan day
    bool reached = false;      // an answered call within the window
    std::optional<TimePoint> first_call;
    std::vector<std::string> breaks;  // what broke the plan, in words; empty when kept
};
PlanCheck check_plan(TimePoint arrived, const std::vector<Attempt>& attempts, const Calendar& cal,
                     const DialPlanSpec& spec);

}  // namespace reglament::rules::calls
