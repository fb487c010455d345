#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "rules/calendar.hpp"

namespace calendar_test {

using namespace std::chrono_literals;
using reglament::Calendar;
using reglament::TimePoint;

namespace {

// "2026-03-06 17:55" read as local time in the calendar's zone. (date::parse trips GCC 12's
// maybe-uninitialized warning at -O2, hence sscanf.)
reglament::LocalTime parse_local(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0;
    REQUIRE(std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi) == 5);
    return date::local_days{date::year{y} / mo / d} + std::chrono::hours{h} +
           std::chrono::minutes{mi};
}

TimePoint local(const Calendar& cal, const std::string& text) {
    return cal.from_local(parse_local(text));
}

std::string show(const Calendar& cal, TimePoint t) {
    return date::format("%F %R", date::floor<std::chrono::minutes>(cal.to_local(t)));
}

// "2026-03-10 04:30" read as UTC.
TimePoint utc(const std::string& text) {
    return TimePoint{parse_local(text).time_since_epoch()};
}

Calendar moscow() {
    return Calendar(reglament::russian_calendar_2026());
}

}  // namespace

TEST_CASE("calendar: Friday 17:55 plus 10 working minutes is Monday 09:05", "[calendar]") {
    const auto cal = moscow();
    CHECK(show(cal, cal.add_working(local(cal, "2026-03-13 17:55"), 10min)) == "2026-03-16 09:05");
    // Ending exactly at the day's end stays on that day.
    CHECK(show(cal, cal.add_working(local(cal, "2026-03-13 17:50"), 10min)) == "2026-03-13 18:00");
    // Hours spanning several days.
    CHECK(show(cal, cal.add_working(local(cal, "2026-03-12 10:00"), 20h)) == "2026-03-16 12:00");
}

TEST_CASE("calendar: a lead at 03:00 on a holiday counts from the next working morning",
          "[calendar]") {
    const auto cal = moscow();
    // 23 February 2026 is a Monday holiday; Tuesday 24th is the first working day.
    const auto lead = local(cal, "2026-02-23 03:00");
    CHECK_FALSE(cal.is_working_time(lead));
    CHECK_FALSE(cal.is_working_day(cal.local_day(lead)));
    CHECK(show(cal, cal.add_working(lead, 10min)) == "2026-02-24 09:10");
    CHECK(show(cal, cal.next_working_moment(lead)) == "2026-02-24 09:00");
    CHECK(show(cal, cal.start_of_working_day(lead)) == "2026-02-24 09:00");
    CHECK(show(cal, cal.end_of_working_day(lead)) == "2026-02-24 18:00");
    CHECK(show(cal, cal.next_working_day_at(lead, "10:00")) == "2026-02-24 10:00");
}

TEST_CASE("calendar: 31 December 2026 rolls to the first working day of January 2027",
          "[calendar]") {
    const auto cal = moscow();
    const auto eve = local(cal, "2026-12-31 12:00");
    CHECK_FALSE(cal.is_working_day(cal.local_day(eve)));
    CHECK(cal.has_holidays_for_year(2026));
    // 2027 has no decree in the spec: the daemon warns, and the Labour Code's fixed holidays
    // (1–8 January) stand in, so the first working day is Monday 11 January 2027.
    CHECK_FALSE(cal.has_holidays_for_year(2027));
    CHECK(show(cal, cal.add_working(eve, 1min)) == "2027-01-11 09:01");
    CHECK(show(cal, cal.next_working_day_at(local(cal, "2026-12-30 15:00"), "09:30")) ==
          "2027-01-11 09:30");
    CHECK(show(cal, cal.start_of_working_day(eve)) == "2027-01-11 09:00");
    // What the daemon warns about: in 2026 the coming year, from 2027 on both.
    CHECK(cal.years_missing_holidays(eve) == std::vector<int>{2027});
    CHECK(cal.years_missing_holidays(local(cal, "2027-01-11 09:00")) ==
          std::vector<int>{2027, 2028});
}

TEST_CASE("calendar: a year with dated holidays does not use the fixed ones", "[calendar]") {
    auto spec = reglament::russian_calendar_2026();
    // 2026 data makes 8 March (a Sunday) irrelevant and 9 March the holiday; with the fixed list
    // alone, 9 March would be a working Monday.
    const auto cal = Calendar(spec);
    CHECK_FALSE(cal.is_working_day(date::local_days{date::year{2026} / 3 / 9}));
    spec.holidays.clear();
    const auto bare = Calendar(spec);
    CHECK(bare.is_working_day(date::local_days{date::year{2026} / 3 / 9}));
    CHECK_FALSE(bare.is_working_day(date::local_days{date::year{2026} / 1 / 5}));
}

TEST_CASE("calendar: the shortened pre-holiday day ends an hour early", "[calendar]") {
    const auto cal = moscow();
    // 30 April 2026 (Thursday) ends at 17:00; 1 May is a holiday, 2–3 May a weekend.
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-30 08:00"))) == "2026-04-30 17:00");
    CHECK(cal.is_working_time(local(cal, "2026-04-30 16:59")));
    CHECK_FALSE(cal.is_working_time(local(cal, "2026-04-30 17:30")));
    CHECK(show(cal, cal.add_working(local(cal, "2026-04-30 16:55"), 10min)) == "2026-05-04 09:05");
    // An ordinary Thursday still ends at 18:00.
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-23 08:00"))) == "2026-04-23 18:00");
}

TEST_CASE("calendar: after hours the end of the working day is the next working day's",
          "[calendar]") {
    const auto cal = moscow();
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-23 17:59"))) == "2026-04-23 18:00");
    // From 18:00 on, a task "by the end of the day" would be overdue when it is set.
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-23 18:00"))) == "2026-04-24 18:00");
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-23 19:00"))) == "2026-04-24 18:00");
    // Shortened Thursday 30 April, after 17:00: the next working day is Monday 4 May.
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-30 17:30"))) == "2026-05-04 18:00");
    // Friday evening: Monday.
    CHECK(show(cal, cal.end_of_working_day(local(cal, "2026-04-24 20:00"))) == "2026-04-27 18:00");
}

TEST_CASE("calendar: Moscow and Novosibirsk answer differently for one UTC instant", "[calendar]") {
    auto spec = reglament::russian_calendar_2026();
    const auto msk = Calendar(spec);
    spec.zone = "Asia/Novosibirsk";  // UTC+7, four hours ahead of Moscow
    const auto nsk = Calendar(spec);
    const auto instant = utc("2026-03-10 04:30");  // 07:30 in Moscow, 11:30 in Novosibirsk
    CHECK_FALSE(msk.is_working_time(instant));
    CHECK(nsk.is_working_time(instant));
    CHECK(msk.add_working(instant, 10min) == utc("2026-03-10 06:10"));
    CHECK(nsk.add_working(instant, 10min) == utc("2026-03-10 04:40"));
    const auto late = utc("2026-03-10 12:00");  // 15:00 Moscow, 19:00 Novosibirsk
    CHECK(msk.is_working_time(late));
    CHECK_FALSE(nsk.is_working_time(late));
}

TEST_CASE("calendar: working minutes between two moments skip the weekend", "[calendar]") {
    const auto cal = moscow();
    // Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday.
    CHECK(cal.working_minutes_between(local(cal, "2026-03-13 17:00"),
                                      local(cal, "2026-03-16 10:00")) == 120min);
    CHECK(cal.working_minutes_between(local(cal, "2026-03-14 10:00"),
                                      local(cal, "2026-03-15 20:00")) == 0min);
    CHECK(cal.working_minutes_between(local(cal, "2026-03-16 10:00"),
                                      local(cal, "2026-03-13 17:00")) == 0min);
    // A full week: five days of nine hours.
    CHECK(cal.working_minutes_between(local(cal, "2026-03-16 00:00"),
                                      local(cal, "2026-03-23 00:00")) == 45h);
}

TEST_CASE("calendar: several intervals a day and an extra working Saturday", "[calendar]") {
    reglament::CalendarSpec spec;
    spec.zone = "Europe/Moscow";
    for (int i = 0; i < 5; ++i) {
        spec.weekly[i] = {reglament::parse_work_interval("09:00-13:00"),
                          reglament::parse_work_interval("14:00-18:00")};
    }
    const auto saturday = date::year{2026} / 3 / 14;
    spec.extra_working_days.push_back({saturday, {reglament::parse_work_interval("10:00-14:00")}});
    const Calendar cal(spec);
    CHECK_FALSE(cal.is_working_time(local(cal, "2026-03-13 13:30")));
    CHECK(show(cal, cal.add_working(local(cal, "2026-03-13 12:55"), 10min)) == "2026-03-13 14:05");
    CHECK(cal.is_working_day(date::local_days{saturday}));
    CHECK(show(cal, cal.add_working(local(cal, "2026-03-13 17:55"), 10min)) == "2026-03-14 10:05");
    CHECK(cal.working_minutes_between(local(cal, "2026-03-13 12:00"),
                                      local(cal, "2026-03-13 15:00")) == 120min);
}

TEST_CASE("calendar: invalid specs and times are refused", "[calendar]") {
    auto spec = reglament::russian_calendar_2026();
    spec.zone = "Europe/Atlantis";
    CHECK_THROWS(Calendar(spec));
    spec = reglament::russian_calendar_2026();
    spec.weekly[0].push_back(reglament::parse_work_interval("17:00-19:00"));
    CHECK_THROWS_AS(Calendar(spec), std::invalid_argument);
    CHECK_THROWS(reglament::parse_hh_mm("9:00"));
    CHECK_THROWS(reglament::parse_hh_mm("24:30"));
    CHECK_THROWS(reglament::parse_work_interval("18:00-09:00"));
    CHECK(reglament::parse_hh_mm("24:00") == 24h);
}

}  // namespace calendar_test
