// Client-side copies of the portal's two limits (bitrix24.md §2), pure arithmetic with time
// passed in, so tests drive them without sleeping.
//
// RateLimiter: the portal's leaky bucket (each HTTP request adds 1, the counter drains by
// `drain` per second, above `burst` the portal answers 503 QUERY_LIMIT_EXCEEDED). The counter
// is per source IP and shared with other integrations there, so after a 503 the limiter shrinks
// its own burst and drain by 20% (floors 5 and 0.5/s, like b24jssdk) and grows back by 10% per
// quiet period.
//
// OperatingBudget: per-method seconds of server time over the last 10 minutes, as reported in
// `time.operating`; above the limit the method is blocked until `operating_reset_at`.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::bitrix {

struct BucketOptions {
    double burst = 50;            // X in D limits.md
    double drain_per_second = 2;  // Y
    double headroom = 2;          // requests kept free for clocks disagreeing and neighbours
    double min_burst = 5;
    double min_drain_per_second = 0.5;
    double shrink_factor = 0.8;
    double grow_factor = 1.1;
    std::chrono::milliseconds quiet_period = std::chrono::seconds(60);

    static BucketOptions standard() { return {}; }
    static BucketOptions enterprise() {
        BucketOptions o;
        o.burst = 250;
        o.drain_per_second = 5;
        return o;
    }
};

class RateLimiter {
  public:
    using Steady = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::steady_clock::duration;

    explicit RateLimiter(BucketOptions options = {});

    // How long to wait before the next request may go; zero when it may go now.
    Duration delay_for_next(Steady now);
    // A request left: the counter grows by one.
    void on_sent(Steady now);
    // The portal said QUERY_LIMIT_EXCEEDED: its counter is full, and ours was too generous.
    void on_limit_exceeded(Steady now);

    double level(Steady now);  // the modelled counter
    // Requests that may go at `now` without waiting (the rate budget left); read-only.
    double remaining(Steady now) const;
    // The most the budget can hold: the current burst less the headroom.
    double capacity() const;
    double burst() const { return burst_; }
    double drain_per_second() const { return drain_; }

  private:
    void advance(Steady now);

    BucketOptions options_;
    double burst_;
    double drain_;
    double level_ = 0;
    std::optional<Steady> last_;
    std::optional<Steady> last_limit_hit_;
    std::optional<Steady> last_growth_;
};

struct OperatingOptions {
    double limit_seconds = 480;  // the cloud value quoted by D limits.md
    double safety_seconds = 5;   // like b24jssdk's buffer
    // After a block with no known reset time, the next one-minute basket drops out.
    std::chrono::milliseconds unknown_reset_wait = std::chrono::seconds(60);
    std::chrono::milliseconds reset_margin = std::chrono::seconds(1);
};

// Works in steady time: a reset announced as a wall-clock instant is turned into "so long from
// now" when it arrives, so waiting does not depend on the process Clock being set or scaled.
class OperatingBudget {
  public:
    using Steady = std::chrono::steady_clock::time_point;

    explicit OperatingBudget(OperatingOptions options = {});

    // Feed every envelope's time (and every batch command's result_time) under the method it
    // belongs to: "batch" for the outer call and the inner method names (§2, sources disagree).
    // `wall_now` is the time `reset_at` is measured against.
    void record(std::string_view method, std::optional<double> operating,
                std::optional<TimePoint> reset_at, TimePoint wall_now, Steady now);
    // The portal answered OPERATION_TIME_LIMIT for this method.
    void on_blocked(std::string_view method, Steady now);
    // Zero when the method may be called now.
    std::chrono::milliseconds wait_for(std::string_view method, Steady now) const;
    std::optional<double> operating(std::string_view method) const;

  private:
    struct MethodState {
        double operating = 0;
        std::optional<Steady> reset_at;
        std::optional<Steady> blocked_until;
    };
    MethodState& state(std::string_view method);

    OperatingOptions options_;
    std::map<std::string, MethodState, std::less<>> methods_;
};

}  // namespace reglament::bitrix
