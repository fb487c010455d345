// When a send is tried again (wazzup.md §2.3, §2.4): 429 after ≥5 s (Wazzup did not take the
// request); 5xx and timeouts only while a retry still reaches Wazzup inside the 60 s in which it
// recognises the same crmMessageId, otherwise a retry could deliver the message twice.
// Sans-I/O: the client feeds attempt outcomes and the (real, steady) time and does what it says.
#pragma once

#include <chrono>
#include <optional>
#include <variant>

#include "wazzup/send_outcome.hpp"

namespace reglament::wazzup {

struct RetryPolicy {
    RetryTiming timing;
    std::chrono::milliseconds dedupe_window = std::chrono::seconds(60);
    // A retry must start this much before the window closes: it needs time to arrive.
    std::chrono::milliseconds safety_margin = std::chrono::seconds(10);
    int max_attempts = 8;
};

class SendRetries {
  public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    using Wait = std::chrono::milliseconds;

    explicit SendRetries(RetryPolicy policy) : policy_(policy) {}

    // Call before each attempt goes out.
    void attempt_started(SteadyTime now);
    // After an attempt: either the outcome to hand to the caller, or how long to wait before
    // the next attempt. A RetryAfter handed back means "gave up here": its reason says why, and
    // may_have_been_sent tells the caller a later resend could duplicate the message.
    std::variant<SendOutcome, Wait> after(const SendOutcome& outcome, SteadyTime now);

    int attempts() const { return attempts_; }

  private:
    RetryPolicy policy_;
    int attempts_ = 0;
    SteadyTime last_start_{};
    std::optional<SteadyTime> first_maybe_sent_;
};

}  // namespace reglament::wazzup
