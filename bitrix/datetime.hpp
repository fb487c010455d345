// Bitrix24 datetimes: ISO 8601 with any offset ("2023-12-28T14:05:48+03:00", "...Z", optional
// fractional seconds), bitrix24.md §7. Legacy locale forms ("24.08.2023 13:19:39") and strings
// without an offset name no instant and are refused rather than guessed: the portal writes
// them in its server time, which a response does not state. To write filter values use
// reglament::format_iso8601 (rules/iso_time.hpp) with an explicit offset.
#pragma once

#include <optional>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::bitrix {

std::optional<TimePoint> parse_datetime(std::string_view text);

}  // namespace reglament::bitrix
