// `reglamentd journal --config FILE [--entity lead:123] [--rule L4] [--since ISO] [--limit N]`:
// what the rules did (or, in dry-run, would have done), read from the state file beside a
// running daemon without disturbing it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace reglament::daemon {

struct JournalOptions {
    std::string config_path;
    std::optional<std::string> entity;
    std::optional<std::string> rule;
    std::optional<std::string> since;  // ISO 8601 with an offset
    std::size_t limit = 1000;
};

int journal_command(const JournalOptions& options);

}  // namespace reglament::daemon
