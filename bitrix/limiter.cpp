#include "bitrix/limiter.hpp"

#include <algorithm>
#include <cmath>

namespace reglament::bitrix {

namespace {
using Seconds = std::chrono::duration<double>;
}

RateLimiter::RateLimiter(BucketOptions options)
    : options_(options), burst_(options.burst), drain_(options.drain_per_second) {}

void RateLimiter::advance(Steady now) {
    if (last_ && now > *last_) {
        level_ = std::max(0.0, level_ - Seconds(now - *last_).count() * drain_);
    }
    if (!last_ || now > *last_) last_ = now;
    // Grow back one step per quiet period since the last 503 (or the last growth step).
    if (last_limit_hit_ && (burst_ < options_.burst || drain_ < options_.drain_per_second)) {
        Steady since = last_growth_ ? std::max(*last_growth_, *last_limit_hit_) : *last_limit_hit_;
        while (now - since >= options_.quiet_period &&
               (burst_ < options_.burst || drain_ < options_.drain_per_second)) {
            since += options_.quiet_period;
            burst_ = std::min(options_.burst, burst_ * options_.grow_factor);
            drain_ = std::min(options_.drain_per_second, drain_ * options_.grow_factor);
            last_growth_ = since;
        }
    }
}

RateLimiter::Duration RateLimiter::delay_for_next(Steady now) {
    advance(now);
    double excess = level_ + 1 - capacity();
    if (excess <= 0) return Duration::zero();
    auto wait = Seconds(excess / drain_);
    return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

void RateLimiter::on_sent(Steady now) {
    advance(now);
    level_ += 1;
}

void RateLimiter::on_limit_exceeded(Steady now) {
    advance(now);
    burst_ = std::max(options_.min_burst, burst_ * options_.shrink_factor);
    drain_ = std::max(options_.min_drain_per_second, drain_ * options_.shrink_factor);
    level_ = std::max(level_, burst_);  // the portal's counter is at its limit
    last_limit_hit_ = now;
    last_growth_.reset();
}

double RateLimiter::level(Steady now) {
    advance(now);
    return level_;
}

double RateLimiter::capacity() const {
    return std::max(1.0, burst_ - options_.headroom);
}

double RateLimiter::remaining(Steady now) const {
    RateLimiter at_now = *this;  // drained and grown back to `now`, this one untouched
    at_now.advance(now);
    return std::max(0.0, at_now.capacity() - at_now.level_);
}

OperatingBudget::OperatingBudget(OperatingOptions options) : options_(options) {}

OperatingBudget::MethodState& OperatingBudget::state(std::string_view method) {
    auto it = methods_.find(method);
    if (it == methods_.end()) it = methods_.emplace(std::string(method), MethodState{}).first;
    return it->second;
}

void OperatingBudget::record(std::string_view method, std::optional<double> operating,
                             std::optional<TimePoint> reset_at, TimePoint wall_now, Steady now) {
    // Absent or zero counters mean "not reported" on many portals (bitrix24.md §1).
    if (!operating || *operating <= 0) return;
    auto& s = state(method);
    s.operating = *operating;
    if (reset_at && *reset_at > wall_now) s.reset_at = now + (*reset_at - wall_now);
    if (s.operating >= options_.limit_seconds - options_.safety_seconds) {
        Steady until =
            s.reset_at ? *s.reset_at + options_.reset_margin : now + options_.unknown_reset_wait;
        if (!s.blocked_until || *s.blocked_until < until) s.blocked_until = until;
    }
}

void OperatingBudget::on_blocked(std::string_view method, Steady now) {
    auto& s = state(method);
    // First retry at the last known reset; if that is gone, the next basket (D limits.md).
    Steady until = s.reset_at && *s.reset_at + options_.reset_margin > now
                       ? *s.reset_at + options_.reset_margin
                       : now + options_.unknown_reset_wait;
    s.blocked_until = until;
    s.reset_at.reset();
}

std::chrono::milliseconds OperatingBudget::wait_for(std::string_view method, Steady now) const {
    auto it = methods_.find(method);
    if (it == methods_.end() || !it->second.blocked_until || *it->second.blocked_until <= now)
        return std::chrono::milliseconds::zero();
    return std::chrono::ceil<std::chrono::milliseconds>(*it->second.blocked_until - now);
}

std::optional<double> OperatingBudget::operating(std::string_view method) const {
    auto it = methods_.find(method);
    if (it == methods_.end()) return std::nullopt;
    return it->second.operating;
}

}  // namespace reglament::bitrix
