// The running service: one io_context, the webhook and admin servers, signals, reload.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace reglament::daemon {

struct RunOptions {
    std::filesystem::path config_path;
    bool dry_run = false;                  // every rule journals instead of writing
    std::optional<std::string> log_level;  // overrides [log] level
    // A missing or empty state file where this installation had state starts empty instead of
    // being refused (state_guard.hpp).
    bool start_empty = false;
};

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_daemon(const RunOptions& options);

}  // namespace reglament::daemon
