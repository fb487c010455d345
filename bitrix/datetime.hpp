// Bitrix24 datetimes: ISO 8601 with any offset ("2023-12-28T14:05:48+03:00", "...Z", optional
// fractional seconds), bitrix24.md §7. Legacy locale forms ("24.08.2023 13:19:39") and strings
// without an offset name no instant and are refused rather than guessed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::bitrix {

std::optional<TimePoint> parse_datetime(std::string_view text);

// "2025-02-28T00:00:00+00:00", the form filters accept.
std::string format_datetime(TimePoint t);

}  // namespace reglament::bitrix
