#include "bitrix/datetime.hpp"

#include <charconv>
#include <cstdio>
#include <string>

namespace reglament::bitrix {

namespace {

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return true;
}

}  // namespace

std::optional<TimePoint> parse_datetime(std::string_view s) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_int(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
        s[7] != '-' || !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') ||
        !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
        !read_int(s, 17, 2, sec))
        return std::nullopt;
    year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 3) millis = millis * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i)
            millis *= 10;
    }
    if (pos >= s.size()) return std::nullopt;  // no offset: the instant is unknown
    int offset_minutes = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!read_int(s, pos + 1, 2, oh)) return std::nullopt;
        std::size_t after = pos + 3;
        if (after < s.size() && s[after] == ':') ++after;
        if (after < s.size()) {
            if (!read_int(s, after, 2, om)) return std::nullopt;
            after += 2;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_minutes = sign * (oh * 60 + om);
        pos = after;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    auto local = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(millis);
    return time_point_cast<milliseconds>(local - minutes(offset_minutes));
}

std::string format_datetime(TimePoint t) {
    using namespace std::chrono;
    auto day_point = floor<days>(t);
    year_month_day ymd{day_point};
    hh_mm_ss hms{floor<seconds>(t - day_point)};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+00:00", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
    return buf;
}

}  // namespace reglament::bitrix
