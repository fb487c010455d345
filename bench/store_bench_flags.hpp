// What the store benchmarks share: the flags, the durability flag and a fresh file.
#pragma once

#include <filesystem>
#include <string>

#include "bench/flags.hpp"
#include "store/sqlite_store.hpp"

namespace reglament::store::bench {

// The common flags plus --file and --sync.
class Flags : public reglament::bench::Flags {
  public:
    using reglament::bench::Flags::Flags;

    // --file (default: a file named `name` in the temp directory), emptied first.
    std::filesystem::path fresh_database(const std::string& name) const {
        const std::filesystem::path file =
            text("file", (std::filesystem::temp_directory_path() / name).string());
        for (const auto* suffix : {"", "-wal", "-shm", ".lock"}) {
            std::filesystem::remove(file.string() + suffix);
        }
        return file;
    }
    // --sync normal|full (default full, the daemon's setting).
    SqliteOptions options() const {
        SqliteOptions options;
        options.sync = text("sync", "full") == "normal" ? SqliteOptions::Sync::normal
                                                        : SqliteOptions::Sync::full;
        return options;
    }
};

}  // namespace reglament::store::bench
