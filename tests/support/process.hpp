// Test support: the daemon and the emulator run as real processes. Waiting for a process to
// come up or go away polls in real time; business time is never waited for (manual clock).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reglament::test {

class ChildProcess {
  public:
    // Output (stdout and stderr) goes to `log_file`.
    ChildProcess(std::vector<std::string> argv, std::filesystem::path log_file,
                 std::map<std::string, std::string> extra_env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int signo) const;
    // The exit code (128 + signal when killed), or nullopt when still running at the timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    bool running();
    std::string output() const;

  private:
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    std::filesystem::path log_file_;
};

// A TCP port nothing listens on right now.
unsigned short free_port();
// Polls GET url until it answers 200 or the timeout passes.
bool wait_until_healthy(const std::string& url, std::chrono::milliseconds timeout);

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& text);
std::string read_file(const std::filesystem::path& path);

}  // namespace reglament::test
