// Bitrix24 datetimes: ISO 8601 with any offset ("2023-12-28T14:05:48+03:00", "...Z", optional
// fractional seconds), bitrix24.md §7. Legacy locale forms ("24.08.2023 13:19:39") and strings
// without an offset name no instant and are refused rather than guessed: the portal writes
// them in its server time, which a response does not state. To write filter values use
// reglament::format_iso8601 (rules/iso_time.hpp) with an explicit offset.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::bitrix {

std::optional<TimePoint> parse_datetime(std::string_view text);
// A value for a filter or a field: ISO 8601 in UTC with an explicit "+00:00" offset, which
// every Bitrix24 method reads as the same instant.
std::string format_datetime(TimePoint t);

}  // namespace reglament::bitrix
