#include "rules/calls/dial_plan.hpp"

#include <algorithm>
#include <numeric>

namespace reglament::rules::calls {

int DialPlanSpec::total() const {
    return std::accumulate(per_day.begin(), per_day.end(), 0);
}

std::vector<date::local_days> plan_days(TimePoint arrived, const Calendar& cal,
                                        const DialPlanSpec& spec) {
    std::vector<date::local_days> days;
    auto day = cal.local_day(cal.next_working_moment(arrived));
    for (std::size_t i = 0; i < spec.per_day.size(); ++i) {
        days.push_back(day);
        day = cal.next_working_day(day);
    }
    return days;
}

TimePoint plan_window_end(TimePoint arrived, const Calendar& cal, const DialPlanSpec& spec) {
    auto days = plan_days(arrived, cal, spec);
    return cal.end_of_working_day(cal.from_local(LocalTime{days.back()}));
}

namespace {

int day_index(const std::vector<date::local_days>& days, date::local_days day) {
    for (std::size_t i = 0; i < days.size(); ++i)
        if (days[i] == day) return static_cast<int>(i);
    return -1;
}

}  // namespace

std::optional<NextAttempt> next_attempt(TimePoint arrived, const std::vector<TimePoint>& calls,
                                        TimePoint now, const Calendar& cal,
                                        const DialPlanSpec& spec) {
    auto days = plan_days(arrived, cal, spec);
    std::vector<int> count(days.size(), 0);
    std::vector<std::optional<TimePoint>> last(days.size());
    for (auto t : calls) {
        if (t < arrived) continue;
        int k = day_index(days, cal.local_day(t));
        if (k < 0) continue;
        ++count[k];
        if (!last[k] || *last[k] < t) last[k] = t;
    }
    auto today = cal.local_day(now);
    int slot_base = 0;
    for (std::size_t k = 0; k < days.size(); ++k) {
        int quota = spec.per_day[k];
        int base = slot_base;
        slot_base += quota;
        if (days[k] < today || count[k] >= quota) continue;
        auto day_start = cal.start_of_working_day(cal.from_local(LocalTime{days[k]}));
        auto day_end = cal.end_of_working_day(day_start);
        auto due = k == 0 ? std::max(cal.next_working_moment(arrived), day_start) : day_start;
        if (last[k]) due = std::max(due, *last[k] + spec.min_gap);
        due = std::max(due, now);
        if (due >= day_end) continue;
        NextAttempt next;
        next.slot = base + count[k] + 1;
        next.day = static_cast<int>(k) + 1;
        next.due = cal.next_working_moment(due);
        next.deadline = next.slot == 1
                            ? std::min(cal.add_working(arrived, spec.first_within), day_end)
                            : day_end;
        if (next.slot == 1 && next.deadline <= next.due) next.deadline = day_end;
        return next;
    }
    return std::nullopt;
}

PlanCheck check_plan(TimePoint arrived, const std::vector<Attempt>& attempts, const Calendar& cal,
                     const DialPlanSpec& spec) {
    PlanCheck check;
    auto days = plan_days(arrived, cal, spec);
    auto window_end = plan_window_end(arrived, cal, spec);
    std::vector<Attempt> sorted;
    for (const auto& a : attempts)
        if (a.at >= arrived && a.at <= window_end) sorted.push_back(a);
    std::sort(sorted.begin(), sorted.end(),
              [](const Attempt& a, const Attempt& b) { return a.at < b.at; });
    check.attempts_in_window = static_cast<int>(sorted.size());
    check.per_day.assign(days.size(), 0);
    std::vector<int> raw(days.size(), 0);
    std::vector<std::optional<TimePoint>> last(days.size());
    for (const auto& a : sorted) {
        if (!check.first_call) check.first_call = a.at;
        check.reached = check.reached || a.answered;
        int k = day_index(days, cal.local_day(a.at));
        if (k < 0) continue;
        ++raw[k];
        // Greedy: an attempt counts when it is at least min_gap after the last counted one.
        if (!last[k] || a.at - *last[k] >= spec.min_gap) {
            ++check.per_day[k];
            last[k] = a.at;
        }
    }
    if (check.attempts_in_window < spec.total())
        check.breaks.push_back("меньше " + std::to_string(spec.total()) + " попыток за " +
                               std::to_string(days.size()) +
                               " рабочих дня: " + std::to_string(check.attempts_in_window));
    if (!check.first_call || cal.working_time_between(arrived, *check.first_call) >
                                 std::chrono::milliseconds(spec.first_within))
        check.breaks.push_back("первый звонок позже " +
                               std::to_string(spec.first_within.count() / 60) + " рабочих часов");
    for (std::size_t k = 0; k < days.size(); ++k) {
        if (check.per_day[k] >= spec.per_day[k]) continue;
        auto day = "день " + std::to_string(k + 1) + ": ";
        if (raw[k] >= spec.per_day[k])
            check.breaks.push_back(day + "звонки с разницей меньше " +
                                   std::to_string(spec.min_gap.count()) + " мин");
        else
            check.breaks.push_back(day + std::to_string(raw[k]) + " из " +
                                   std::to_string(spec.per_day[k]) + " попыток");
    }
    return check;
}

}  // namespace reglament::rules::calls
