#include "wazzup/iso_time.hpp"

namespace reglament::wazzup {
namespace {

// Reads exactly `width` digits at `pos`.
bool read_number(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
    if (pos + width > s.size()) return false;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    pos += width;
    out = value;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::optional<TimePoint> parse_iso_time(std::string_view s) {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_number(s, pos, 4, y) || !expect(s, pos, '-') || !read_number(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !read_number(s, pos, 2, d)) {
        return std::nullopt;
    }
    if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
    ++pos;
    if (!read_number(s, pos, 2, h) || !expect(s, pos, ':') || !read_number(s, pos, 2, mi) ||
        !expect(s, pos, ':') || !read_number(s, pos, 2, sec)) {
        return std::nullopt;
    }
    year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;

    milliseconds fraction{0};
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int scale = 100;
        std::size_t digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            fraction += milliseconds{(s[pos] - '0') * scale};
            scale /= 10;
            ++pos;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
    }
    minutes offset{0};
    if (pos < s.size()) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            int sign = s[pos] == '-' ? -1 : 1;
            ++pos;
            int oh = 0, om = 0;
            if (!read_number(s, pos, 2, oh)) return std::nullopt;
            if (pos < s.size() && s[pos] == ':') ++pos;
            if (!read_number(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
            offset = minutes{sign * (oh * 60 + om)};
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size()) return std::nullopt;
    return TimePoint{sys_days{date}} + hours{h} + minutes{mi} + seconds{sec} + fraction - offset;
}

}  // namespace reglament::wazzup
