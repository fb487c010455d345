#include "wazzup/retry_policy.hpp"

namespace reglament::wazzup {

void SendRetries::attempt_started(SteadyTime now) {
    ++attempts_;
    last_start_ = now;
}

std::variant<SendOutcome, SendRetries::Wait> SendRetries::after(const SendOutcome& outcome,
                                                                SteadyTime now) {
    const auto* retry = std::get_if<RetryAfter>(&outcome);
    if (!retry) return outcome;

    if (retry->may_have_been_sent && !first_maybe_sent_) first_maybe_sent_ = last_start_;

    RetryAfter give_up = *retry;
    give_up.may_have_been_sent = first_maybe_sent_.has_value();
    if (attempts_ >= policy_.max_attempts) {
        give_up.reason += "; gave up after " + std::to_string(attempts_) + " attempts";
        return SendOutcome{give_up};
    }
    if (first_maybe_sent_) {
        auto next_start = now + retry->delay;
        if (next_start + policy_.safety_margin > *first_maybe_sent_ + policy_.dedupe_window) {
            give_up.reason +=
                "; not retried: Wazzup's 60 s crmMessageId window would be over, "
                "an earlier attempt may have been delivered";
            return SendOutcome{give_up};
        }
    }
    return retry->delay;
}

}  // namespace reglament::wazzup
