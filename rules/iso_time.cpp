#include "rules/iso_time.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace reglament {

namespace {

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i)
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return true;
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s, int default_offset_minutes) {
    using namespace std::chrono;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!read_int(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
        s[7] != '-' || !read_int(s, 8, 2, d))
        return std::nullopt;
    std::size_t pos = 10;
    int millis = 0;
    int offset = default_offset_minutes;
    if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
        if (!read_int(s, pos + 1, 2, h) || s.size() < pos + 6 || s[pos + 3] != ':' ||
            !read_int(s, pos + 4, 2, mi))
            return std::nullopt;
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!read_int(s, pos + 1, 2, sec)) return std::nullopt;
            pos += 3;
        }
        if (pos < s.size() && s[pos] == '.') {
            std::size_t start = ++pos;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
                ++pos;
            if (pos == start) return std::nullopt;
            std::string frac(s.substr(start, std::min<std::size_t>(3, pos - start)));
            while (frac.size() < 3)
                frac.push_back('0');
            millis = std::stoi(frac);
        }
        if (pos < s.size()) {
            if (s[pos] == 'Z' || s[pos] == 'z') {
                offset = 0;
                ++pos;
            } else if (s[pos] == '+' || s[pos] == '-') {
                int oh, om = 0;
                if (!read_int(s, pos + 1, 2, oh)) return std::nullopt;
                std::size_t next = pos + 3;
                if (next < s.size() && s[next] == ':') ++next;
                if (next < s.size()) {
                    if (!read_int(s, next, 2, om)) return std::nullopt;
                    next += 2;
                }
                offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
                pos = next;
            }
        }
    }
    if (pos != s.size()) return std::nullopt;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{millis} -
             minutes{offset};
    return time_point_cast<milliseconds>(t);
}

std::string format_iso8601(TimePoint t, int offset_minutes) {
    using namespace std::chrono;
    auto local = t + minutes{offset_minutes};
    auto day_start = floor<days>(local);
    year_month_day ymd{day_start};
    hh_mm_ss hms{floor<seconds>(local - day_start)};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
    std::string out = buf;
    if (offset_minutes == 0) return out + "Z";
    int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
    return out + buf;
}

}  // namespace reglament
