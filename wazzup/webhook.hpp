// Wazzup webhook bodies (wazzup.md §4.2–§4.5) as values. One POST may carry messages and
// statuses together and several of each; unknown fields are ignored; top-level kinds we do
// not handle are listed so intake can acknowledge and log them. Pure: the intake checks the
// secret and size, calls these and answers 200 / 400 with the reason.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/clock.hpp"
#include "wazzup/channels.hpp"
#include "wazzup/delivery_status.hpp"
#include "wazzup/expected.hpp"
#include "wazzup/send_outcome.hpp"

namespace reglament::wazzup {

inline constexpr std::size_t kWebhookBodyLimit = 1024 * 1024;  // larger: 413 at the intake
// Items (messages, statuses, channel and template updates) one POST may carry; Wazzup sends a
// handful. More is refused whole, like a body over the byte limit.
inline constexpr std::size_t kWebhookItemLimit = 1000;
inline constexpr std::size_t kMaxListedKinds = 10;

// Wazzup sends "application/json; charset-utf-8" (sic, §4.2). Accepts that, the usual
// "application/json[; charset=utf-8]" forms and a missing header (the body must still be
// JSON); anything else fails with the reason.
Expected<Done> check_content_type(std::string_view content_type);

struct MessageError {
    std::string code;  // BAD_CONTACT, 24_HOURS_EXCEEDED, ... (§4.3); every one is final
    std::string description;

    // The rule writes "нет ватсапа" on the lead (L5).
    bool no_whatsapp() const { return means_no_whatsapp(code); }
};

struct Contact {
    std::string name;
    std::string avatar_uri;
    std::string username;  // Telegram
    std::string phone;     // Telegram, MAX
};

// `messages[]`: new, edited and deleted messages, incoming and echoes of outgoing ones.
struct WebhookMessage {
    std::string message_id;
    std::string channel_id;
    std::string chat_type;
    std::string chat_id;
    std::optional<TimePoint> date_time;
    std::string type;  // text, image, audio, ..., wapi_template, missing_call, unknown
    bool is_echo = false;
    DeliveryStatus status = DeliveryStatus::none;
    std::string text;
    std::string content_uri;
    Contact contact;
    std::optional<MessageError> error;
    std::string author_name;
    std::string author_id;
    bool is_edited = false;
    bool is_deleted = false;

    // A client wrote to us: what stops cadences and opens the WABA window (§5, §10.6). An edit
    // or a deletion changes a message that already came; it is not the client writing again.
    bool from_client() const { return !is_echo && !is_deleted && !is_edited; }
};

// `statuses[]`: delivery progress of messages we sent.
struct StatusUpdate {
    std::string message_id;
    std::optional<TimePoint> timestamp;
    DeliveryStatus status = DeliveryStatus::unknown;
    std::string status_text;  // as sent, for logs when unknown
    std::optional<MessageError> error;
};

struct TemplateStatusUpdate {
    std::string template_guid;
    std::string name;
    std::string status;  // APPROVED / approved, PENDING, REJECTED, PAUSED, DISABLED
};

struct WebhookBody {
    bool test = false;  // {"test": true}: Wazzup checking the URL, answer 200
    std::vector<WebhookMessage> messages;
    std::vector<StatusUpdate> statuses;
    std::vector<ChannelUpdate> channels_updates;
    std::vector<TemplateStatusUpdate> template_statuses;
    // Top-level keys not handled here (createContact, createDeal, new kinds), for the log: the
    // first kMaxListedKinds of them, and how many there were.
    std::vector<std::string> unknown_kinds;
    std::size_t unknown_kind_count = 0;
    // Items that could not be read, each a one-line reason ("messages[1]: missing messageId").
    // The others are kept: one bad item must not lose the good ones (Wazzup's retry policy is
    // not documented, so refusing the whole POST may lose them for good).
    std::vector<std::string> rejected;

    bool empty() const {
        return !test && messages.empty() && statuses.empty() && channels_updates.empty() &&
               template_statuses.empty();
    }
};

// Fails with a one-line reason ("not JSON: ...", "messages is not a list") for a 400 when the
// body as a whole cannot be read: not JSON, nested deeper than 32 levels, over the item limit,
// a list that is no list. A malformed item (a missing id, a date outside 1970-2100) only
// lands in WebhookBody::rejected.
Expected<WebhookBody> parse_webhook(std::string_view body);

}  // namespace reglament::wazzup
