// The config as the one-shot subcommands (journal, status, portal-ids, replacement-report,
// wazzup setup) load it: every problem printed to stderr as file:line:column, like
// check-config, and nothing to go on when there is one.
#pragma once

#include <filesystem>
#include <optional>

#include "config/config.hpp"

namespace reglament::daemon {

std::optional<config::Config> load_for_command(const std::filesystem::path& path);

}  // namespace reglament::daemon
