#include "wazzup/request_limiter.hpp"

#include <algorithm>
#include <stdexcept>

namespace reglament::wazzup {

RequestLimiter::RequestLimiter(std::size_t limit, std::chrono::milliseconds window)
    : limit_(limit), window_(window) {
    if (limit_ == 0) throw std::invalid_argument("request limit must be at least 1");
}

RequestLimiter::SteadyTime RequestLimiter::reserve(SteadyTime now) {
    SteadyTime at = std::max(now, hold_);
    if (slots_.size() >= limit_) {
        // The request `limit_` places back must have left the window.
        at = std::max(now, slots_[slots_.size() - limit_] + window_);
    }
    // Reserved slots are handed out in order, so the deque stays sorted.
    if (!slots_.empty()) at = std::max(at, slots_.back());
    slots_.push_back(at);
    while (slots_.size() > limit_)
        slots_.pop_front();
    return at;
}

void RequestLimiter::hold_until(SteadyTime until) {
    hold_ = std::max(hold_, until);
}

}  // namespace reglament::wazzup
