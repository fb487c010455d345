// What one POST /v3/message attempt came to, and which Wazzup errors are final
// (wazzup.md §2.2–§2.4, §4.3).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace reglament::wazzup {

// Error codes as Wazzup spells them in either form: "REPEATED_CRM_MESSAGE_ID" and
// "repeatedCrmMessageId" both become "REPEATEDCRMMESSAGEID" (§2.3).
std::string normalize_error_code(std::string_view code);
bool same_error_code(std::string_view a, std::string_view b);

// A Wazzup error body: empty, or JSON {error, description, data?} (§2.4). The chat-window
// route's {error:{code}} form is read too.
struct ErrorBody {
    std::string code;         // as sent; empty when the body had none
    std::string description;  // short English explanation
};
ErrorBody parse_error_body(std::string_view body);

// "No WhatsApp on this number": BAD_CONTACT ("Number may not be on WhatsApp", §2.4, §4.3).
bool means_no_whatsapp(std::string_view code);

struct Sent {
    std::string message_id;  // statuses arrive by webhook for this id
    std::string chat_id;
};
// REPEATED_CRM_MESSAGE_ID: an earlier attempt was accepted; the messageId comes by webhook.
struct AlreadySent {};
struct FinalError {
    int http_status = 0;  // 0 when the send was refused locally without a request
    std::string code;
    std::string description;
    bool no_whatsapp = false;   // the rule writes "нет ватсапа" on the lead (L5)
    std::string channel_state;  // CHANNEL_NOT_ACTIVE: the state Wazzup reported, for the head
};
struct RetryAfter {
    std::chrono::milliseconds delay{0};
    std::string reason;
    // 429 means Wazzup did not take the request; after a 5xx or a timeout it may have, so the
    // retry is only safe with the same crmMessageId inside its 60 s window (§2.3).
    bool may_have_been_sent = false;
};

using SendOutcome = std::variant<Sent, AlreadySent, FinalError, RetryAfter>;

std::string describe(const SendOutcome& outcome);  // one line for logs and the journal

struct RetryTiming {
    std::chrono::milliseconds rate_limit_wait = std::chrono::seconds(5);  // ≥5 s (§2.4 429)
    std::chrono::milliseconds transient_wait = std::chrono::seconds(2);   // 5xx, timeouts
};

// Classifies one HTTP answer to POST /v3/message. `retry_after_header` is the Retry-After
// header if any (Wazzup documents none; a value longer than the 5 s floor is respected).
SendOutcome classify_send_response(int http_status, std::string_view body,
                                   std::string_view retry_after_header = {},
                                   const RetryTiming& timing = {});

// A transport failure (no complete response). `request_sent` false: the connection was never
// made, so nothing reached Wazzup.
SendOutcome classify_transport_failure(std::string_view message, bool request_sent, bool timeout,
                                       const RetryTiming& timing = {});

}  // namespace reglament::wazzup
