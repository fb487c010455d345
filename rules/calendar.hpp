// Working time of the call centre: every SLA and "next day" of the regulations counts in it
// (REGULATIONS.md, "Conventions"). Pure: built from a CalendarSpec, answers questions about
// TimePoints; the time zone comes from the system tzdata through Howard Hinnant's date/tz.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <date/tz.h>

#include "rules/clock.hpp"

namespace reglament {

using LocalTime = date::local_time<std::chrono::milliseconds>;

// A span of local wall-clock time within one day, as offsets from midnight; end may be 24:00.
struct WorkInterval {
    std::chrono::minutes begin{0};
    std::chrono::minutes end{0};
    friend bool operator==(const WorkInterval&, const WorkInterval&) = default;
};

// "HH:MM" → minutes since midnight (00:00..24:00); throws std::invalid_argument otherwise.
std::chrono::minutes parse_hh_mm(std::string_view text);
// "HH:MM-HH:MM" with begin < end; throws std::invalid_argument otherwise.
WorkInterval parse_work_interval(std::string_view text);
std::string format_work_interval(const WorkInterval& interval);

// Intervals of one day in order; empty = not a working day.
using DayHours = std::vector<WorkInterval>;

struct ShortenedDay {
    date::year_month_day day;
    // The Russian calendar shortens a pre-holiday day by one hour (Labour Code art. 95).
    std::chrono::minutes by{60};
};

struct ExtraWorkingDay {
    date::year_month_day day;  // e.g. a Saturday a decree turns into a working day
    DayHours hours;
};

struct CalendarSpec {
    std::string zone = "Europe/Moscow";  // IANA name
    // Index 0 = Monday … 6 = Sunday.
    std::array<DayHours, 7> weekly;
    std::set<date::year_month_day> holidays;
    std::vector<ShortenedDay> shortened_days;
    std::vector<ExtraWorkingDay> extra_working_days;
    // Month-days that are non-working every year, applied only to a year that has no dated
    // holiday of its own. This keeps 1–8 January of a year whose decree is not in the config yet
    // from silently counting as working days (calendar-ru-2026.md, last paragraph).
    std::vector<date::month_day> fixed_holidays;
};

// Monday–Friday 09:00–18:00.
std::array<DayHours, 7> default_weekly_hours();
// Labour Code art. 112 non-working holidays: 1–8 January, 23 February, 8 March, 1 May, 9 May,
// 12 June, 4 November.
std::vector<date::month_day> russian_fixed_holidays();
// The Russian 2026 production calendar (decree No. 1466 of 24.09.2025), Europe/Moscow,
// default weekly hours.
CalendarSpec russian_calendar_2026();

class Calendar {
  public:
    // Throws std::runtime_error for an unknown zone and std::invalid_argument for a spec with
    // overlapping or empty intervals or no working hours at all.
    explicit Calendar(CalendarSpec spec);

    const CalendarSpec& spec() const { return spec_; }
    const date::time_zone& zone() const { return *zone_; }

    // Local wall-clock conversions in the calendar's zone. A local time that does not exist
    // (DST gap) maps to the moment the gap ends; an ambiguous one to its earlier instant.
    LocalTime to_local(TimePoint t) const;
    TimePoint from_local(LocalTime local) const;
    date::local_days local_day(TimePoint t) const;

    // Working hours of a local date after holidays, extra working days and shortening.
    DayHours hours_of(date::local_days day) const;
    bool is_working_day(date::local_days day) const { return !hours_of(day).empty(); }
    bool is_working_time(TimePoint t) const;

    // The first working moment at or after t.
    TimePoint next_working_moment(TimePoint t) const;
    // t plus `amount` of working time. A t outside working time counts from the next working
    // start, so Friday 17:55 + 10 min = Monday 09:05. A sum that ends exactly at a day's end
    // gives that end (18:00), not the next morning.
    TimePoint add_working(TimePoint t, std::chrono::milliseconds amount) const;
    // Working time within [a, b); zero when b <= a.
    std::chrono::milliseconds working_time_between(TimePoint a, TimePoint b) const;
    std::chrono::minutes working_minutes_between(TimePoint a, TimePoint b) const;

    // The n-th working day after `day` (n >= 1).
    date::local_days next_working_day(date::local_days day, int n = 1) const;
    // The first working day after t's local day, at the given local time of day.
    TimePoint next_working_day_at(TimePoint t, std::chrono::minutes time_of_day) const;
    TimePoint next_working_day_at(TimePoint t, std::string_view hh_mm) const;
    // Start of the working day of t's local date, or of the next working day when that date is
    // not a working day.
    TimePoint start_of_working_day(TimePoint t) const;
    // The end of the working day t is in or before; from that end on (after hours), the next
    // working day's end, so a deadline set in the evening is not already past.
    TimePoint end_of_working_day(TimePoint t) const;

    // Whether the spec holds dated holidays for the year; the daemon warns when the current or
    // the coming year has none (the fixed holidays then stand in for the decree).
    bool has_holidays_for_year(int year) const;
    // The current and the coming year (of `now`, in the calendar's zone) that lack dated
    // holidays: what the daemon warns about at start and daily.
    std::vector<int> years_missing_holidays(TimePoint now) const;

  private:
    date::local_days working_day_on_or_after(date::local_days day) const;

    CalendarSpec spec_;
    const date::time_zone* zone_;
    std::set<int> years_with_holidays_;
    std::map<date::local_days, std::chrono::minutes> shortened_;
    std::map<date::local_days, DayHours> extra_;
};

}  // namespace reglament
