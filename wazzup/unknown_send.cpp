#include "wazzup/unknown_send.hpp"

#include <algorithm>

#include "wazzup/message.hpp"

namespace reglament::wazzup {

bool echo_matches(TimePoint first_attempt, TimePoint echo_at, const UnknownSendPolicy& policy) {
    // Bounded on both sides: the same text in the same chat days later is someone else's.
    return echo_at + policy.clock_slack >= first_attempt &&
           echo_at <= first_attempt + policy.echo_wait + policy.clock_slack;
}

UnknownSendDecision decide_unknown_send(TimePoint first_attempt, std::optional<TimePoint> echo_at,
                                        TimePoint now, const UnknownSendPolicy& policy) {
    if (echo_at && echo_matches(first_attempt, *echo_at, policy))
        return {UnknownSendStep::sent, {}};
    const auto age = now - first_attempt;
    if (age < policy.dedupe_window - policy.safety_margin) return {UnknownSendStep::resend, {}};
    if (age >= policy.echo_wait) return {UnknownSendStep::give_up, {}};
    // Looked at again every half minute until the wait is over: the echo may come any time.
    auto next = std::min<TimePoint>(first_attempt + policy.echo_wait,
                                    now + std::chrono::milliseconds(std::chrono::seconds(30)));
    return {UnknownSendStep::wait, next};
}

std::string echo_fingerprint(std::string_view channel_id, std::string_view chat_id,
                             std::string_view text, bool is_template) {
    std::string content = is_template ? std::string("wapi_template") : "text:" + std::string(text);
    std::string whole = std::string(channel_id) + "|" + std::string(chat_id) + "|" + content;
    // crm_message_id hashes anything long or odd into a short safe id, as a kv key wants.
    return crm_message_id(whole);
}

}  // namespace reglament::wazzup
