// Webhook times: "2025-05-06T14:16:00.002Z" (wazzup.md §4.3, §4.4). The docs describe the format
// as "yyyy-mm-ddThh:mm:ss.ms" without a zone; a missing zone is read as UTC like the examples.
#pragma once

#include <optional>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::wazzup {

// Accepts YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM] ('T' or a space). nullopt otherwise.
std::optional<TimePoint> parse_iso_time(std::string_view text);

}  // namespace reglament::wazzup
