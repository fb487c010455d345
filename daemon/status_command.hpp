// `reglamentd status --config FILE`: how the daemon is doing, for an admin at a terminal.
// Queue depths, the last successful poll and the latest failed writes come from the state
// file (opened read-only, beside a running daemon); the rules' switches from the config; uptime,
// version, the daemon's clock and its counters from the admin endpoint when it answers.
#pragma once

#include <cstddef>
#include <string>

namespace reglament::daemon {

struct StatusOptions {
    std::string config_path;
    std::size_t errors = 5;  // how many of the latest failed actions to show
};

// 0: the state file was read and the daemon answers; 3: the state file was read but the admin
// endpoint does not answer (the daemon is down, or elsewhere); 1: the config or the state file
// cannot be read.
int status_command(const StatusOptions& options);

}  // namespace reglament::daemon
