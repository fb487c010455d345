#include "rules/clock.hpp"

namespace reglament {

TimePoint SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

TimePoint ManualClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

void ManualClock::set(TimePoint t) {
    std::lock_guard lock(mutex_);
    now_ = t;
}

void ManualClock::advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    now_ += d;
}

ScaledClock::ScaledClock(TimePoint start, double factor, std::shared_ptr<const Clock> real)
    : start_(start), real_start_(real->now()), factor_(factor), real_(std::move(real)) {}

TimePoint ScaledClock::now() const {
    std::lock_guard lock(mutex_);
    auto elapsed = real_->now() - real_start_;
    return start_ + std::chrono::milliseconds(
                        static_cast<std::chrono::milliseconds::rep>(elapsed.count() * factor_));
}

void ScaledClock::set(TimePoint t) {
    std::lock_guard lock(mutex_);
    start_ = t;
    real_start_ = real_->now();
}

void ScaledClock::advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    start_ += d;
}

}  // namespace reglament
