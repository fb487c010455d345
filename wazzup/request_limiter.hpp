// Keeps this process under Wazzup's 500 requests per 5 s (wazzup.md §7): at most `limit`
// requests in any `window`, 400 / 5 s by default, which also holds for Wazzup's own fixed
// 5-second counter whatever its phase. Pure: the caller passes steady time and waits.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace reglament::wazzup {

class RequestLimiter {
  public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    explicit RequestLimiter(std::size_t limit = 400,
                            std::chrono::milliseconds window = std::chrono::seconds(5));

    // Reserves a slot for a request and returns when it may go out (`now` or later). Calls
    // must come with non-decreasing `now`.
    SteadyTime reserve(SteadyTime now);
    // After a 429 the whole key is over Wazzup's limit: no request goes out before `until`.
    void hold_until(SteadyTime until);

  private:
    std::size_t limit_;
    std::chrono::milliseconds window_;
    SteadyTime hold_{};
    std::deque<SteadyTime> slots_;  // start times of the last `limit_` requests, ascending
};

}  // namespace reglament::wazzup
