// What the store benchmarks share: "--name value" flags, the durability flag, and a fresh file.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/sqlite_store.hpp"

namespace reglament::store::bench {

class Flags {
  public:
    // Throws std::invalid_argument on a flag not in `known` or without a value.
    Flags(int argc, char** argv, const std::vector<std::string>& known) {
        for (int i = 1; i < argc; i += 2) {
            const std::string flag = argv[i];
            bool listed = false;
            for (const auto& k : known)
                listed = listed || flag == "--" + k;
            if (!listed || i + 1 >= argc) throw std::invalid_argument("bad flag " + flag);
            values_[flag.substr(2)] = argv[i + 1];
        }
    }
    std::string text(const std::string& name, const std::string& fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    long number(const std::string& name, long fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : std::stol(it->second);
    }
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

  private:
    std::map<std::string, std::string> values_;
};

}  // namespace reglament::store::bench
