#include "bitrix/datetime.hpp"

#include "rules/iso_time.hpp"

namespace reglament::bitrix {

namespace {

// "…T hh:mm:ss[.fff](Z|±hh[:]mm)": the offset follows the time part (index 19 onwards).
bool has_offset(std::string_view s) {
    if (s.size() <= 19 || (s[10] != 'T' && s[10] != ' ')) return false;
    std::string_view tail = s.substr(19);
    return tail.find_first_of("Zz+-") != std::string_view::npos;
}

}  // namespace

std::optional<TimePoint> parse_datetime(std::string_view text) {
    if (!has_offset(text)) return std::nullopt;
    return parse_iso8601(text);
}

std::string format_datetime(TimePoint t) {
    auto text = format_iso8601(t);  // "...Z"
    text.pop_back();
    return text + "+00:00";
}

}  // namespace reglament::bitrix
