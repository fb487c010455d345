// ISO 8601 date-times as Bitrix24, Wazzup and the admin endpoint write them:
// "2026-03-02T09:00:00+03:00", "2025-05-06T14:16:00.002Z", "2026-03-02T09:00:00" (no offset).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament {

// nullopt when the text is not such a date-time. A missing offset is read as UTC unless
// `default_offset_minutes` says otherwise (a portal's server time).
std::optional<TimePoint> parse_iso8601(std::string_view text, int default_offset_minutes = 0);

// "2026-03-02T06:00:00Z" style, or with the given offset: "2026-03-02T09:00:00+03:00".
std::string format_iso8601(TimePoint t, int offset_minutes = 0);

}  // namespace reglament
