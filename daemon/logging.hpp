// One log line per event on stderr. Under systemd (JOURNAL_STREAM set) lines carry a syslog
// priority prefix ("<6>") and no timestamp, so journald shows levels and its own time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reglament::daemon {

// Throws std::invalid_argument naming the accepted levels.
void setup_logging(std::string_view level, bool journal);
bool stderr_is_journal();
std::optional<std::string> normalize_log_level(std::string_view level);

}  // namespace reglament::daemon
