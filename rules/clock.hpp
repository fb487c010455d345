// The one time seam of the process. Nothing else reads the wall clock: rules, timers, the
// engine and the Wazzup 24-hour window ask a Clock, so tests and the demo can set and advance
// time (POST /admin/clock) instead of sleeping.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

namespace reglament {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// A clock an operator may set or move forward (POST /admin/clock): tests, acceptance runs, demo.
class AdjustableClock : public Clock {
public:
    virtual void set(TimePoint t) = 0;
    virtual void advance(std::chrono::milliseconds d) = 0;
};

// The real time.
class SystemClock final : public Clock {
  public:
    TimePoint now() const override;
};

// Stands still until set or advanced (tests, acceptance runs).
class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override;
    void set(TimePoint t);
    void advance(std::chrono::milliseconds d);

  private:
    mutable std::mutex mutex_;
    TimePoint now_;
};

// Runs `factor` times faster than real time from `start` (the demo: a working day in minutes).
// `real` is the clock it scales; the system clock in production use.
class ScaledClock final : public Clock {
  public:
    ScaledClock(TimePoint start, double factor, std::shared_ptr<const Clock> real);
    TimePoint now() const override;
    void set(TimePoint t);
    void advance(std::chrono::milliseconds d);

  private:
    mutable std::mutex mutex_;
    TimePoint start_;
    TimePoint real_start_;
    double factor_;
    std::shared_ptr<const Clock> real_;
};

}  // namespace reglament
