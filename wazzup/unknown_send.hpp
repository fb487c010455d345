// A send whose outcome is unknown (wazzup.md §2.3, §4.3): the request went out but no answer
// came back (a timeout or a 5xx after it left, or the daemon died with it in flight). Wazzup
// refuses a repeated crmMessageId only within 60 s, so a blind resend later can reach the client
// twice. The rule here: a message to a client goes at most once.
//   - while the first attempt is younger than the dedupe window (less a margin for the trip),
//     the send is repeated with the same crmMessageId: Wazzup either takes it (the first never
//     arrived) or answers REPEATED_CRM_MESSAGE_ID;
//   - later it is never sent again: its echo (Wazzup posts our own message back in `messages`
//     with isEcho) proves it went; without an echo for `echo_wait` the send is given up and
//     the manager is told to look at the chat.
// The echo names no crmMessageId (§4.3), so it is matched by what it shows: the channel, the
// chat and the text (for a WABA template, whose echo text is Wazzup's rendering, the channel,
// the chat and the type `wapi_template`), no earlier than the first attempt (less a slack for
// clocks). Pure: times in, a decision out.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "rules/clock.hpp"

namespace reglament::wazzup {

struct UnknownSendPolicy {
    std::chrono::milliseconds dedupe_window = std::chrono::seconds(60);
    std::chrono::milliseconds safety_margin = std::chrono::seconds(10);
    // Long enough for an echo (seconds, normally), short enough not to hold the entity's later
    // actions, which wait behind this one.
    std::chrono::milliseconds echo_wait = std::chrono::minutes(5);
    // The echo's dateTime is Wazzup's clock, the first attempt ours.
    std::chrono::milliseconds clock_slack = std::chrono::minutes(2);
};

enum class UnknownSendStep {
    sent,     // its echo came: done, never again
    resend,   // still inside Wazzup's dedupe window: the same crmMessageId again
    wait,     // look again at `look_again` (an echo may still come)
    give_up,  // no echo within echo_wait: failed, the manager is told; never sent again
};

struct UnknownSendDecision {
    UnknownSendStep step = UnknownSendStep::wait;
    TimePoint look_again{};  // for `wait`
};

// `first_attempt`: when the first attempt was handed to the client (our clock). `echo_at`: the
// dateTime of a matching echo, if one came.
UnknownSendDecision decide_unknown_send(TimePoint first_attempt, std::optional<TimePoint> echo_at,
                                        TimePoint now, const UnknownSendPolicy& policy = {});

// True when an echo at `echo_at` can be the message first tried at `first_attempt`.
bool echo_matches(TimePoint first_attempt, TimePoint echo_at, const UnknownSendPolicy& policy = {});

// The kv key under which an echo is remembered and an attempt announced: the same for our send
// and for its echo. `content` is the text, or empty with `is_template` for a WABA template.
std::string echo_fingerprint(std::string_view channel_id, std::string_view chat_id,
                             std::string_view text, bool is_template);

}  // namespace reglament::wazzup
