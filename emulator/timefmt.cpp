#include "emulator/timefmt.hpp"

#include <cctype>
#include <cstdio>

namespace reglament::emulator {

using namespace std::chrono;

std::string format_iso(Instant t, int offset_minutes) {
    auto local = floor<seconds>(t) + minutes(offset_minutes);
    auto day = floor<days>(local);
    year_month_day ymd{day};
    hh_mm_ss hms{local - day};
    int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

std::string format_utc_ms(Instant t) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  int(hms.subseconds().count()));
    return buf;
}

double unix_seconds(Instant t) {
    return double(t.time_since_epoch().count()) / 1000.0;
}

namespace {

struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    bool digits(int n, int& out) {
        out = 0;
        for (int k = 0; k < n; ++k) {
            if (done() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
            out = out * 10 + (s[i++] - '0');
        }
        return true;
    }
    bool take(char c) {
        if (peek() != c) return false;
        ++i;
        return true;
    }
};

std::optional<Instant> build(int y, int mo, int d, int h, int mi, int sec, int ms, int offset) {
    year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    return Instant{sys_days{ymd}} + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms) -
           minutes(offset);
}

}  // namespace

std::optional<Instant> parse_instant(std::string_view text, int default_offset) {
    Cursor c{text};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (text.size() >= 10 && text[2] == '.') {  // DD.MM.YYYY[ hh:mm:ss], the legacy locale form
        if (!c.digits(2, d) || !c.take('.') || !c.digits(2, mo) || !c.take('.') || !c.digits(4, y))
            return std::nullopt;
    } else if (!c.digits(4, y) || !c.take('-') || !c.digits(2, mo) || !c.take('-') ||
               !c.digits(2, d)) {
        return std::nullopt;
    }
    if (c.done()) return build(y, mo, d, 0, 0, 0, 0, default_offset);
    if (!c.take('T') && !c.take(' ')) return std::nullopt;
    if (!c.digits(2, h) || !c.take(':') || !c.digits(2, mi)) return std::nullopt;
    if (c.take(':') && !c.digits(2, sec)) return std::nullopt;
    if (c.take('.')) {
        int scale = 100;
        while (std::isdigit(static_cast<unsigned char>(c.peek()))) {
            ms += (c.s[c.i++] - '0') * scale;
            scale /= 10;
        }
    }
    int offset = default_offset;
    if (c.take('Z')) {
        offset = 0;
    } else if (c.peek() == '+' || c.peek() == '-') {
        int sign = c.s[c.i++] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!c.digits(2, oh)) return std::nullopt;
        c.take(':');
        if (!c.done() && !c.digits(2, om)) return std::nullopt;
        offset = sign * (oh * 60 + om);
    }
    if (!c.done()) return std::nullopt;
    return build(y, mo, d, h, mi, sec, ms, offset);
}

}  // namespace reglament::emulator
