#include "daemon/state_guard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace reglament::daemon {

namespace fs = std::filesystem;

StateVerdict judge_state(const StateFileFacts& facts) {
    if (!facts.exists) return facts.marker ? StateVerdict::missing : StateVerdict::fresh;
    return facts.size == 0 ? StateVerdict::empty : StateVerdict::present;
}

fs::path state_marker_path(const fs::path& state_file) {
    return fs::path(state_file.string() + ".present");
}

std::optional<std::string> check_state_file(const fs::path& state_file, bool start_empty) {
    if (start_empty) return std::nullopt;
    std::error_code ec;
    StateFileFacts facts;
    facts.exists = fs::exists(state_file, ec);
    if (facts.exists) facts.size = fs::file_size(state_file, ec);
    if (ec) return "cannot read the state file " + state_file.string() + ": " + ec.message();
    facts.marker = fs::exists(state_marker_path(state_file), ec);
    const auto verdict = judge_state(facts);
    if (verdict == StateVerdict::fresh || verdict == StateVerdict::present) return std::nullopt;
    const std::string how =
        "; restore it from the backup (docs/admin-guide.md, \"Backup and upgrade\"), or start "
        "once with `reglamentd run --start-empty` to begin with no state: every timer, rule "
        "state, snapshot and journal line of before is then lost";
    if (verdict == StateVerdict::missing)
        return "refusing to start: the state file " + state_file.string() +
               " is missing, but this installation had state (" +
               state_marker_path(state_file).string() + " was written when it was opened)" + how;
    return "refusing to start: the state file " + state_file.string() +
           " is empty (0 bytes): it was truncated or never written" + how;
}

void mark_state_present(const fs::path& state_file) {
    const auto marker = state_marker_path(state_file);
    if (fs::exists(marker)) return;
    const auto temp = fs::path(marker.string() + ".tmp");
    {
        std::ofstream out(temp, std::ios::trunc);
        out << "reglamentd keeps this installation's state in " << state_file.string()
            << ".\nWhile this file exists, reglamentd refuses to start without that file; "
               "restore it from the backup, or run `reglamentd run --start-empty` once.\n";
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + temp.string());
    }
    // Durable before the daemon relies on it: the rename and the folder entry.
    int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    fs::rename(temp, marker);
    fd = ::open(marker.parent_path().empty() ? "." : marker.parent_path().c_str(),
                O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace reglament::daemon
