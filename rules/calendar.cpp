#include "rules/calendar.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace reglament {

using std::chrono::milliseconds;
using std::chrono::minutes;

namespace {

// No sane calendar goes this long without a working day; past it the spec is broken and the
// answer would be meaningless, so the search stops with an error instead of looping.
constexpr int kMaxDaysSearched = 5 * 366;

int weekday_index(date::local_days day) {
    return static_cast<int>(date::weekday{day}.iso_encoding()) - 1;
}

void check_day_hours(const DayHours& hours, const std::string& what) {
    for (std::size_t i = 0; i < hours.size(); ++i) {
        const auto& interval = hours[i];
        if (interval.begin < minutes{0} || interval.end > std::chrono::hours{24} ||
            interval.begin >= interval.end) {
            throw std::invalid_argument(what + ": interval " + format_work_interval(interval) +
                                        " is empty or outside the day");
        }
        if (i > 0 && hours[i - 1].end > interval.begin) {
            throw std::invalid_argument(what + ": intervals " + format_work_interval(hours[i - 1]) +
                                        " and " + format_work_interval(interval) + " overlap");
        }
    }
}

DayHours sorted(DayHours hours) {
    std::sort(hours.begin(), hours.end(),
              [](const WorkInterval& a, const WorkInterval& b) { return a.begin < b.begin; });
    return hours;
}

// The day ends `by` earlier: cut from the last interval backwards.
DayHours shorten(DayHours hours, minutes by) {
    while (by > minutes{0} && !hours.empty()) {
        auto& last = hours.back();
        const auto length = last.end - last.begin;
        if (length > by) {
            last.end -= by;
            break;
        }
        by -= length;
        hours.pop_back();
    }
    return hours;
}

}  // namespace

minutes parse_hh_mm(std::string_view text) {
    auto bad = [&] {
        return std::invalid_argument("'" + std::string(text) + "' is not a time HH:MM");
    };
    if (text.size() != 5 || text[2] != ':') throw bad();
    for (std::size_t i : {0U, 1U, 3U, 4U}) {
        if (text[i] < '0' || text[i] > '9') throw bad();
    }
    const int h = (text[0] - '0') * 10 + (text[1] - '0');
    const int m = (text[3] - '0') * 10 + (text[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) throw bad();
    return std::chrono::hours{h} + minutes{m};
}

WorkInterval parse_work_interval(std::string_view text) {
    const auto dash = text.find('-');
    WorkInterval interval;
    try {
        if (dash == std::string_view::npos) throw std::invalid_argument("no dash");
        interval = {parse_hh_mm(text.substr(0, dash)), parse_hh_mm(text.substr(dash + 1))};
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("'" + std::string(text) + "' is not an interval HH:MM-HH:MM");
    }
    if (interval.begin >= interval.end) {
        throw std::invalid_argument("interval '" + std::string(text) + "' ends before it begins");
    }
    return interval;
}

std::string format_work_interval(const WorkInterval& interval) {
    char buffer[16];
    std::snprintf(
        buffer, sizeof buffer, "%02d:%02d-%02d:%02d", static_cast<int>(interval.begin.count() / 60),
        static_cast<int>(interval.begin.count() % 60), static_cast<int>(interval.end.count() / 60),
        static_cast<int>(interval.end.count() % 60));
    return buffer;
}

std::array<DayHours, 7> default_weekly_hours() {
    std::array<DayHours, 7> weekly;
    for (int i = 0; i < 5; ++i)
        weekly[i] = {{std::chrono::hours{9}, std::chrono::hours{18}}};
    return weekly;
}

std::vector<date::month_day> russian_fixed_holidays() {
    using namespace date;
    std::vector<month_day> days;
    for (unsigned d = 1; d <= 8; ++d)
        days.push_back(January / day{d});
    for (auto md : {February / 23, March / 8, May / 1, May / 9, June / 12, November / 4}) {
        days.push_back(md);
    }
    return days;
}

CalendarSpec russian_calendar_2026() {
    using namespace date;
    CalendarSpec spec;
    spec.zone = "Europe/Moscow";
    spec.weekly = default_weekly_hours();
    const year y{2026};
    for (unsigned d : {1U, 2U, 5U, 6U, 7U, 8U, 9U})
        spec.holidays.insert(y / January / day{d});
    for (auto md :
         {February / 23, March / 9, May / 1, May / 11, June / 12, November / 4, December / 31}) {
        spec.holidays.insert(y / md);
    }
    for (auto md : {April / 30, May / 8, June / 11, November / 3}) {
        spec.shortened_days.push_back({y / md, minutes{60}});
    }
    spec.fixed_holidays = russian_fixed_holidays();
    return spec;
}

Calendar::Calendar(CalendarSpec spec)
    : spec_(std::move(spec)), zone_(date::locate_zone(spec_.zone)) {
    static const char* const names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};
    bool any_hours = false;
    for (int i = 0; i < 7; ++i) {
        spec_.weekly[i] = sorted(std::move(spec_.weekly[i]));
        check_day_hours(spec_.weekly[i], names[i]);
        any_hours = any_hours || !spec_.weekly[i].empty();
    }
    for (auto& extra : spec_.extra_working_days) {
        extra.hours = sorted(std::move(extra.hours));
        check_day_hours(extra.hours, "extra working day " + date::format("%F", extra.day));
        extra_[date::local_days{extra.day}] = extra.hours;
    }
    if (!any_hours) throw std::invalid_argument("the calendar has no weekly working hours");
    for (const auto& day : spec_.holidays)
        years_with_holidays_.insert(int(day.year()));
    for (const auto& day : spec_.shortened_days)
        shortened_[date::local_days{day.day}] = day.by;
}

LocalTime Calendar::to_local(TimePoint t) const {
    return zone_->to_local(t);
}

TimePoint Calendar::from_local(LocalTime local) const {
    return zone_->to_sys(local, date::choose::earliest);
}

date::local_days Calendar::local_day(TimePoint t) const {
    return date::floor<date::days>(to_local(t));
}

DayHours Calendar::hours_of(date::local_days day) const {
    const date::year_month_day ymd{day};
    if (spec_.holidays.count(ymd) > 0) return {};
    DayHours hours;
    if (auto extra = extra_.find(day); extra != extra_.end()) {
        hours = extra->second;
    } else {
        if (years_with_holidays_.count(int(ymd.year())) == 0) {
            const date::month_day md{ymd.month(), ymd.day()};
            if (std::find(spec_.fixed_holidays.begin(), spec_.fixed_holidays.end(), md) !=
                spec_.fixed_holidays.end()) {
                return {};
            }
        }
        hours = spec_.weekly[weekday_index(day)];
    }
    if (auto cut = shortened_.find(day); cut != shortened_.end()) {
        hours = shorten(std::move(hours), cut->second);
    }
    return hours;
}

bool Calendar::is_working_time(TimePoint t) const {
    const auto day = local_day(t);
    for (const auto& interval : hours_of(day)) {
        if (from_local(day + interval.begin) <= t && t < from_local(day + interval.end)) {
            return true;
        }
    }
    return false;
}

TimePoint Calendar::next_working_moment(TimePoint t) const {
    return add_working(t, milliseconds{0});
}

TimePoint Calendar::add_working(TimePoint t, milliseconds amount) const {
    if (amount < milliseconds{0}) throw std::invalid_argument("add_working: negative amount");
    auto day = local_day(t);
    for (int i = 0; i < kMaxDaysSearched; ++i, day += date::days{1}) {
        for (const auto& interval : hours_of(day)) {
            const TimePoint begin = from_local(day + interval.begin);
            const TimePoint end = from_local(day + interval.end);
            if (end <= t) continue;
            const TimePoint from = std::max(begin, t);
            if (from + amount <= end) return from + amount;
            amount -= end - from;
        }
    }
    throw std::runtime_error("calendar: no working time within five years of the given moment");
}

milliseconds Calendar::working_time_between(TimePoint a, TimePoint b) const {
    milliseconds total{0};
    if (b <= a) return total;
    const auto last = local_day(b);
    for (auto day = local_day(a); day <= last; day += date::days{1}) {
        for (const auto& interval : hours_of(day)) {
            const TimePoint begin = std::max(from_local(day + interval.begin), a);
            const TimePoint end = std::min(from_local(day + interval.end), b);
            if (begin < end) total += end - begin;
        }
    }
    return total;
}

minutes Calendar::working_minutes_between(TimePoint a, TimePoint b) const {
    return std::chrono::floor<minutes>(working_time_between(a, b));
}

date::local_days Calendar::working_day_on_or_after(date::local_days day) const {
    for (int i = 0; i < kMaxDaysSearched; ++i, day += date::days{1}) {
        if (is_working_day(day)) return day;
    }
    throw std::runtime_error("calendar: no working day within five years of the given date");
}

date::local_days Calendar::next_working_day(date::local_days day, int n) const {
    for (int i = 0; i < n; ++i)
        day = working_day_on_or_after(day + date::days{1});
    return day;
}

TimePoint Calendar::next_working_day_at(TimePoint t, minutes time_of_day) const {
    return from_local(next_working_day(local_day(t)) + time_of_day);
}

TimePoint Calendar::next_working_day_at(TimePoint t, std::string_view hh_mm) const {
    return next_working_day_at(t, parse_hh_mm(hh_mm));
}

TimePoint Calendar::start_of_working_day(TimePoint t) const {
    const auto day = working_day_on_or_after(local_day(t));
    return from_local(day + hours_of(day).front().begin);
}

TimePoint Calendar::end_of_working_day(TimePoint t) const {
    auto day = working_day_on_or_after(local_day(t));
    TimePoint end = from_local(day + hours_of(day).back().end);
    // After hours "by the end of the working day" is tomorrow's: today's end has passed.
    if (end <= t) {
        day = next_working_day(day);
        end = from_local(day + hours_of(day).back().end);
    }
    return end;
}

bool Calendar::has_holidays_for_year(int year) const {
    return years_with_holidays_.count(year) > 0;
}

std::vector<int> Calendar::years_missing_holidays(TimePoint now) const {
    const int year = int(date::year_month_day{local_day(now)}.year());
    std::vector<int> missing;
    for (int y : {year, year + 1}) {
        if (!has_holidays_for_year(y)) missing.push_back(y);
    }
    return missing;
}

}  // namespace reglament
