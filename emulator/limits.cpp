#include "emulator/limits.hpp"

#include <algorithm>

namespace reglament::emulator {

using namespace std::chrono;

double LeakyBucket::level(Instant now) const {
    double elapsed = now > last_ ? duration<double>(now - last_).count() : 0;
    return std::max(0.0, level_ - elapsed * drain_);
}

bool LeakyBucket::admit(Instant now) {
    level_ = level(now);
    if (now > last_) last_ = now;
    if (level_ + 1 > burst_ + 1e-9) return false;
    level_ += 1;
    return true;
}

void OperatingBudget::expire(std::deque<Basket>& b, Instant now) {
    while (!b.empty() && b.front().minute + minutes(10) <= now)
        b.pop_front();
}

bool OperatingBudget::blocked(const std::string& key, Instant now) {
    return limit_ > 0 && used(key, now) >= limit_;
}

void OperatingBudget::charge(const std::string& key, double seconds, Instant now) {
    auto& b = baskets_[key];
    expire(b, now);
    Instant minute = floor<minutes>(now);
    if (b.empty() || b.back().minute != minute) b.push_back({minute, 0});
    b.back().seconds += seconds;
}

double OperatingBudget::used(const std::string& key, Instant now) {
    auto it = baskets_.find(key);
    if (it == baskets_.end()) return 0;
    expire(it->second, now);
    double sum = 0;
    for (const auto& x : it->second)
        sum += x.seconds;
    return sum;
}

double OperatingBudget::reset_at(const std::string& key, Instant now) {
    auto it = baskets_.find(key);
    if (it == baskets_.end()) return 0;
    expire(it->second, now);
    if (it->second.empty()) return 0;
    return unix_seconds(it->second.front().minute + minutes(10));
}

bool FixedWindow::admit(Instant now) {
    if (now >= start_ + window_) {
        start_ = now;
        count_ = 0;
    }
    if (count_ >= limit_) return false;
    ++count_;
    return true;
}

}  // namespace reglament::emulator
