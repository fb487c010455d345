#include "daemon/inbox_mapping.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "daemon/entity_model.hpp"
#include "rules/iso_time.hpp"
#include "rules/model.hpp"
#include "wazzup/phone.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace {

// The entity_key type for an event, or empty when the engine watches no such entity.
std::string entity_type_of(const bitrix::Event& e) {
    using bitrix::EntityType;
    switch (e.entity) {
        case EntityType::lead:
        case EntityType::deal:
        case EntityType::contact:
        case EntityType::company:
        case EntityType::activity:
        case EntityType::timeline_comment:
            return std::string(bitrix::to_string(e.entity));
        case EntityType::task:
        case EntityType::task_comment:
            // A comment matters as something that happened to its task (R-rules read the task).
            return "task";
        case EntityType::call:
            // Only the end carries the call; start/init are noise for the rules.
            return e.name == "ONVOXIMPLANTCALLEND" ? "call" : "";
        default:
            return "";
    }
}

json time_or_null(const std::optional<TimePoint>& t) {
    return t ? json(format_iso8601(*t)) : json(nullptr);
}

// Invalid UTF-8 from a sender must not make dump() throw inside the intake.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Builds the payload as JSON text with nothing of the auth block: Event keeps auth apart from
// data, so leaving it out is enough. Written member by member (in the order json's sorted
// object would dump them) rather than as one json value: that copied the whole form data
// once per webhook, on the intake's hot path.
std::string bitrix_payload(const bitrix::Event& e) {
    std::string out = "{";
    auto member = [&out](std::string_view key, const std::string& value_json) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += key;
        out += "\":";
        out += value_json;
    };
    if (e.call) member("call", dump(call_model(*e.call)));
    if (!e.category_id.empty()) member("category_id", dump(json(e.category_id)));
    member("data", e.data.is_null() ? std::string("{}") : dump(e.data));
    member("entity_id", dump(json(e.entity_id)));
    member("name", dump(json(e.name)));
    if (!e.stage_id.empty()) member("stage_id", dump(json(e.stage_id)));
    if (!e.task_id.empty()) member("task_id", dump(json(e.task_id)));
    member("ts", dump(time_or_null(e.ts)));
    out += '}';
    return out;
}

std::string message_dedup_key(const wazzup::WebhookMessage& m) {
    std::string key = "wazzup:message:" + m.message_id;
    if (m.is_deleted) return key + ":deleted";
    // A message can be edited more than once: each text is its own event.
    if (m.is_edited) return key + ":edited:" + fnv1a64_hex(m.text);
    return key;
}

// The status as the engine compares it; a value the docs do not list is kept as sent, so two
// different unknown statuses stay two events.
std::string status_name(wazzup::DeliveryStatus status, const std::string& as_sent) {
    if (status == wazzup::DeliveryStatus::unknown && !as_sent.empty()) return as_sent;
    return std::string(wazzup::to_string(status));
}

}  // namespace

std::string hex16(std::uint64_t value) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, value >>= 4)
        out[static_cast<std::size_t>(i)] = digits[value & 0xf];
    return out;
}

std::string fnv1a64_hex(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return hex16(h);
}

std::string chat_key_id(std::string_view chat_type, std::string_view chat_id) {
    // Only these messengers use the phone number as the chat id (wazzup.md §2.1).
    bool phone_chat = chat_type.empty() || chat_type == "whatsapp" || chat_type == "viber";
    if (phone_chat) {
        if (auto n = wazzup::normalize_phone(chat_id)) return *n;
    }
    return std::string(chat_id);
}

std::optional<store::InboxEvent> inbox_event_from_bitrix(const bitrix::Event& e,
                                                         std::string_view delivery_id,
                                                         TimePoint received_at) {
    std::string type = entity_type_of(e);
    if (type.empty()) return std::nullopt;
    bool is_task_comment = e.entity == bitrix::EntityType::task_comment;
    const std::string& id = is_task_comment ? e.task_id : e.entity_id;
    if (id.empty()) return std::nullopt;

    store::InboxEvent ev;
    ev.source = "bitrix";
    ev.kind = e.name;
    ev.entity_key = type + ":" + id;
    if (e.entity == bitrix::EntityType::call) {
        ev.dedup_key = "bitrix:call:" + e.entity_id;
    } else {
        ev.dedup_key = "bitrix:" + std::string(delivery_id);
    }
    ev.payload = bitrix_payload(e);
    ev.received_at = received_at;
    return ev;
}

std::vector<store::InboxEvent> inbox_events_from_wazzup(const wazzup::WebhookBody& body,
                                                        TimePoint received_at) {
    std::vector<store::InboxEvent> out;
    if (body.test) return out;  // Wazzup checking the URL; it carries nothing else
    out.reserve(body.messages.size() + body.statuses.size() + body.channels_updates.size());

    for (const auto& m : body.messages) {
        rules::ChatMessage cm;
        cm.message_id = m.message_id;
        cm.channel_id = m.channel_id;
        cm.chat_id = chat_key_id(m.chat_type, m.chat_id);
        cm.inbound = m.from_client();
        cm.status = cm.inbound ? std::string("inbound") : std::string(wazzup::to_string(m.status));
        if (m.error) cm.error_code = m.error->code;
        cm.at = m.date_time;
        cm.text = m.text;
        // An edit or a deletion changes a message that already came: it is kept, but it is
        // neither the client writing again nor an answer (wazzup.md §4.3), so no rule reads it.
        const bool changed = m.is_edited || m.is_deleted;
        // The type tells the echo of a WABA template (wapi_template) from text: an unanswered
        // send is matched by it (wazzup/unknown_send.hpp).
        json payload = cm;
        if (!m.type.empty()) payload["type"] = m.type;
        out.push_back({"wazzup", message_dedup_key(m), "chat:" + cm.chat_id,
                       changed ? "wazzup.message_changed" : "wazzup.message", dump(payload),
                       received_at});
    }
    for (const auto& s : body.statuses) {
        rules::ChatMessage cm;
        cm.message_id = s.message_id;
        cm.status = status_name(s.status, s.status_text);
        if (s.error) cm.error_code = s.error->code;
        cm.at = s.timestamp;
        cm.inbound = false;
        out.push_back({"wazzup", "wazzup:status:" + s.message_id + ":" + cm.status,
                       "wazzup_message:" + s.message_id, "wazzup.status", dump(json(cm)),
                       received_at});
    }
    for (const auto& c : body.channels_updates) {
        json p{{"channel_id", c.channel_id},
               {"state", c.state},
               {"tier", c.tier},
               {"timestamp_ms", c.timestamp_ms ? json(*c.timestamp_ms) : json(nullptr)}};
        // A channel may go active -> qr -> active: each transition is its own event, so the
        // time of arrival is part of the key.
        std::string dedup = "wazzup:channel:" + c.channel_id + ":" + c.state + ":" +
                            std::to_string(received_at.time_since_epoch().count());
        out.push_back({"wazzup", std::move(dedup), "wazzup_channel:" + c.channel_id,
                       "wazzup.channel", dump(p), received_at});
    }
    return out;
}

}  // namespace reglament::daemon
