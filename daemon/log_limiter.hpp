// Rate limit for log lines a stranger can cause (refused requests, malformed webhook items):
// a flood of bad requests must not become a flood of log lines. Per key, `burst` lines per
// `window`; the first line allowed after a quiet spell says how many were left out.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace reglament::daemon {

class LogLimiter {
  public:
    using Now = std::function<std::chrono::steady_clock::time_point()>;

    LogLimiter(
        std::size_t burst = 10, std::chrono::seconds window = std::chrono::seconds(60),
        Now now = [] { return std::chrono::steady_clock::now(); });

    // Empty: leave this line out. Otherwise the line may be written, and the value is how many
    // lines of the same key were left out before it. Keys are fixed names from the code, never
    // text a sender chose. Thread-safe.
    std::optional<std::size_t> allow(std::string_view key);

  private:
    struct Bucket {
        std::chrono::steady_clock::time_point window_start;
        std::size_t written = 0;
        std::size_t suppressed = 0;
    };
    std::size_t burst_;
    std::chrono::seconds window_;
    Now now_;
    std::mutex mutex_;
    std::map<std::string, Bucket, std::less<>> buckets_;
};

// " (N similar lines left out)" or "", to end a line allow() let through.
std::string left_out_suffix(std::size_t suppressed);

}  // namespace reglament::daemon
