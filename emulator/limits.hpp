// The portal's and Wazzup's request limits, driven by the emulator's clock (no sleeping).
#pragma once

#include <deque>
#include <map>
#include <string>

#include "emulator/timefmt.hpp"

namespace reglament::emulator {

// Bitrix24's leaky bucket: each request adds 1, the level drains by `drain` per second, and a
// request that would lift it above `burst` is refused (503 QUERY_LIMIT_EXCEEDED; bitrix24.md §2).
class LeakyBucket {
  public:
    LeakyBucket(double burst = 50, double drain = 2) : burst_(burst), drain_(drain) {}
    void configure(double burst, double drain) {
        burst_ = burst;
        drain_ = drain;
    }
    bool admit(Instant now);
    double level(Instant now) const;
    double burst() const { return burst_; }
    double drain() const { return drain_; }

  private:
    double burst_, drain_;
    double level_ = 0;
    Instant last_{};
};

// Per credential and method: execution time summed in ten one-minute baskets. When the sum
// reaches the limit the next call of that method gets 429 OPERATION_TIME_LIMIT; the call that
// crosses it still completes.
class OperatingBudget {
  public:
    void set_limit(double seconds) { limit_ = seconds; }  // 0: no limit (the default)
    double limit() const { return limit_; }
    bool blocked(const std::string& key, Instant now);
    void charge(const std::string& key, double seconds, Instant now);
    double used(const std::string& key, Instant now);
    // Unix seconds when the oldest basket drops out; 0 when nothing is recorded.
    double reset_at(const std::string& key, Instant now);

  private:
    struct Basket {
        Instant minute;
        double seconds;
    };
    void expire(std::deque<Basket>& b, Instant now);
    double limit_ = 0;
    std::map<std::string, std::deque<Basket>> baskets_;
};

// Wazzup: at most `limit` requests per fixed window; the counter resets every window (S-ERR).
class FixedWindow {
  public:
    FixedWindow(int limit = 500, std::chrono::milliseconds window = std::chrono::seconds(5))
        : limit_(limit), window_(window) {}
    bool admit(Instant now);

  private:
    int limit_;
    std::chrono::milliseconds window_;
    Instant start_{};
    int count_ = 0;
};

}  // namespace reglament::emulator
