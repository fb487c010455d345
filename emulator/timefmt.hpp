// Instants as the portal writes and reads them: ISO 8601 with an offset on output, and on
// input whatever a client sends (bare date, no offset, Z, +hh:mm), so that filters compare
// instants rather than strings (bitrix24.md §7).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace reglament::emulator {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-01-12T10:00:00+03:00" in the portal's offset (minutes east of UTC).
std::string format_iso(Instant t, int offset_minutes);
// "2026-01-12T07:00:00.000Z", the form Wazzup uses.
std::string format_utc_ms(Instant t);
// Accepts "YYYY-MM-DD", "YYYY-MM-DD[T ]hh:mm[:ss[.fff]]" with "Z", "+hh:mm", "+hhmm" or no
// offset (then `default_offset_minutes`), and "DD.MM.YYYY[ hh:mm:ss]". nullopt otherwise.
std::optional<Instant> parse_instant(std::string_view text, int default_offset_minutes);
double unix_seconds(Instant t);

}  // namespace reglament::emulator
