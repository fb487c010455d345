// `reglamentd wazzup setup --config FILE`: checks the Wazzup key and channel, then points
// Wazzup's webhooks at this daemon's public URL (Wazzup's test POST must reach the running
// daemon first).
#pragma once

#include <filesystem>

namespace reglament::daemon {

// Prints what it did or, in plain words, why it could not; returns the exit code.
int wazzup_setup_command(const std::filesystem::path& config_path);

}  // namespace reglament::daemon
