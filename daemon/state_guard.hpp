// No silent fresh start. SQLite opens a missing or zero-length file as an empty database, so a
// state file lost to a bad restore, a full disk or a stray `>` would make the daemon start over
// without a word: every rule's memory, every timer and the journal gone. "This installation had
// state" is a marker file beside the state file (`<state>.present`), written once the state
// opened; a start that finds the marker but no state file, or a state file of zero bytes, is
// refused until the admin restores the file or says `--start-empty`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace reglament::daemon {

struct StateFileFacts {
    bool exists = false;
    std::uintmax_t size = 0;
    bool marker = false;  // an earlier start of this installation opened the state
};

enum class StateVerdict {
    fresh,    // first start: no state, no marker
    present,  // a state file with content
    missing,  // the marker says there was state, the file is gone
    empty,    // the file is there with zero bytes
};

// Pure: what a start should make of what it finds.
StateVerdict judge_state(const StateFileFacts& facts);

std::filesystem::path state_marker_path(const std::filesystem::path& state_file);

// The sentence a refused start prints, or nullopt when the start may go on (`start_empty` lets
// a missing or empty file start empty).
std::optional<std::string> check_state_file(const std::filesystem::path& state_file,
                                            bool start_empty);

// After the state opened: writes the marker if it is not there yet. Throws on I/O errors.
void mark_state_present(const std::filesystem::path& state_file);

}  // namespace reglament::daemon
