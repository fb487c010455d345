// The body of POST /v3/message (wazzup.md §2.1) for one regulation send.
#pragma once

#include <string>
#include <string_view>

#include "wazzup/templates.hpp"

namespace reglament::wazzup {

struct OutgoingMessage {
    std::string channel_id;       // uuid from GET /v3/channels, never the phone number (§2.1)
    std::string chat_id;          // digits-only international number (see normalize_phone)
    RenderedMessage content;      // text or templateId + templateValues
    std::string idempotency_key;  // the outbox action's key; crmMessageId is derived from it
};

// crmMessageId for an idempotency key: the same key always gives the same id, so a retry or a
// resend after a crash is recognised by Wazzup for 60 s (§2.3). Short keys of safe characters
// are used as they are; longer or odd ones become a readable prefix plus a 128-bit hash,
// at most 64 characters (Wazzup documents no limit; CRM ids elsewhere are ≤100).
std::string crm_message_id(std::string_view idempotency_key);

// JSON for POST /v3/message: chatType "whatsapp" (WABA too, §2.1), clearUnanswered false so the
// manager still sees the chat as waiting (§2.1), and always a crmMessageId.
// Throws std::invalid_argument when the message has neither text nor template.
std::string build_send_body(const OutgoingMessage& message);

}  // namespace reglament::wazzup
