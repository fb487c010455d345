#include "daemon/log_limiter.hpp"

#include <utility>

namespace reglament::daemon {

LogLimiter::LogLimiter(std::size_t burst, std::chrono::seconds window, Now now)
    : burst_(burst), window_(window), now_(std::move(now)) {}

std::optional<std::size_t> LogLimiter::allow(std::string_view key) {
    const auto now = now_();
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{now, 0, 0}).first;
    Bucket& b = it->second;
    if (now - b.window_start >= window_) {
        b.window_start = now;
        b.written = 0;
    }
    if (b.written >= burst_) {
        ++b.suppressed;
        return std::nullopt;
    }
    ++b.written;
    return std::exchange(b.suppressed, 0);
}

std::string left_out_suffix(std::size_t suppressed) {
    if (suppressed == 0) return {};
    return " (" + std::to_string(suppressed) + " similar line" + (suppressed == 1 ? "" : "s") +
           " left out)";
}

}  // namespace reglament::daemon
