// `reglamentd requeue --config FILE (--event ID | --action ID | --all)`: once the cause of a
// parked event or action is fixed (a config value, a portal permission, a bug fixed by an
// upgrade), it goes back to the queue: an event with a fresh count of attempts, an action due
// at once (a create that may have reached the portal is looked up first). Works beside a
// running daemon, which takes the rows within a second, or with the daemon stopped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace reglament::daemon {

struct RequeueOptions {
    std::string config_path;
    std::optional<std::int64_t> event;
    std::optional<std::int64_t> action;
    bool all = false;
};

// 0: done (the count is printed); 1: the config or the state file cannot be used, or nothing
// was chosen; 2: the event or action given is not parked.
int requeue_command(const RequeueOptions& options);

}  // namespace reglament::daemon
