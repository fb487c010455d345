#include "wazzup/webhook.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "wazzup/iso_time.hpp"
#include "wazzup/json_fields.hpp"
#include "wazzup/text.hpp"

namespace reglament::wazzup {
namespace {

using nlohmann::json;

// Real webhooks nest four levels; a deeper body is hostile and would only cost stack elsewhere.
constexpr int kMaxDepth = 32;

struct BadBody : std::runtime_error {
    using std::runtime_error::runtime_error;
};

bool nesting_within(std::string_view body, int limit) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

// A required identifier: a non-empty string (numbers are accepted, some ids look numeric).
std::string required_id(const json& object, const char* key, const std::string& where) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) throw BadBody(where + ": missing " + key);
    if (it->is_string() && !it->get_ref<const std::string&>().empty())
        return it->get<std::string>();
    if (it->is_number_integer()) return it->dump();
    throw BadBody(where + ": " + key + " is not a non-empty string");
}

// 1970-01-01 .. 2100-12-31T23:59:59.999Z: outside it a date is a mistake or an attack.
constexpr std::int64_t kLatestMs = 4133980799999;

std::optional<TimePoint> optional_time(const json& object, const char* key,
                                       const std::string& where) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    std::optional<TimePoint> t;
    if (it->is_string()) {
        t = parse_iso_time(it->get_ref<const std::string&>());
    } else if (it->is_number_unsigned() &&
               it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kLatestMs)) {
        t = TimePoint{std::chrono::milliseconds{it->get<std::int64_t>()}};
    } else if (it->is_number_integer()) {
        throw BadBody(where + ": " + key + " is not between 1970 and 2100");
    }
    if (!t) throw BadBody(where + ": " + key + " is not a date-time");
    const auto ms = t->time_since_epoch().count();
    if (ms < 0 || ms > kLatestMs)
        throw BadBody(where + ": " + key + " is not between 1970 and 2100");
    return t;
}

std::optional<MessageError> optional_error(const json& object) {
    auto it = object.find("error");
    if (it == object.end() || it->is_null()) return std::nullopt;
    MessageError error;
    if (it->is_string()) {
        error.code = it->get<std::string>();
    } else if (it->is_object()) {
        error.code = string_field(*it, "error");
        if (error.code.empty()) error.code = string_field(*it, "code");
        error.description = string_field(*it, "description");
    } else {
        return std::nullopt;
    }
    return error;
}

// Thrown for what makes the whole body unreadable (not one of its items).
struct BadWhole : std::runtime_error {
    using std::runtime_error::runtime_error;
};

WebhookMessage parse_message(const json& m, const std::string& where) {
    WebhookMessage msg;
    msg.message_id = required_id(m, "messageId", where);
    msg.channel_id = required_id(m, "channelId", where);
    msg.chat_id = required_id(m, "chatId", where);
    msg.chat_type = string_field(m, "chatType");
    msg.date_time = optional_time(m, "dateTime", where);
    msg.type = string_field(m, "type");
    msg.is_echo = bool_field(m, "isEcho");
    std::string status = string_field(m, "status");
    msg.status = status.empty() ? DeliveryStatus::none : parse_delivery_status(status);
    msg.text = string_field(m, "text");
    msg.content_uri = string_field(m, "contentUri");
    if (auto c = m.find("contact"); c != m.end() && c->is_object()) {
        msg.contact.name = string_field(*c, "name");
        msg.contact.avatar_uri = string_field(*c, "avatarUri");
        msg.contact.username = string_field(*c, "username");
        msg.contact.phone = string_field(*c, "phone");
    }
    msg.error = optional_error(m);
    msg.author_name = string_field(m, "authorName");
    msg.author_id = string_field(m, "authorId");
    msg.is_edited = bool_field(m, "isEdited");
    msg.is_deleted = bool_field(m, "isDeleted");
    return msg;
}

StatusUpdate parse_status(const json& s, const std::string& where) {
    StatusUpdate update;
    update.message_id = required_id(s, "messageId", where);
    update.status_text = string_field(s, "status");
    if (update.status_text.empty()) throw BadBody(where + ": missing status");
    update.status = parse_delivery_status(update.status_text);
    update.timestamp = optional_time(s, "timestamp", where);
    update.error = optional_error(s);
    return update;
}

ChannelUpdate parse_channel_update(const json& c, const std::string& where) {
    ChannelUpdate update;
    update.channel_id = required_id(c, "channelId", where);
    update.state = string_field(c, "state");
    if (update.state.empty()) throw BadBody(where + ": missing state");
    update.tier = string_field(c, "tier");
    if (auto t = optional_time(c, "timestamp", where)) {
        update.timestamp_ms = t->time_since_epoch().count();
    }
    return update;
}

TemplateStatusUpdate parse_template_status(const json& t, const std::string& where) {
    TemplateStatusUpdate update;
    update.template_guid = required_id(t, "templateGuid", where);
    update.name = string_field(t, "name");
    update.status = string_field(t, "status");
    return update;
}

// Each item on its own: a bad one is noted in `rejected`, the others are kept.
template <class T, class Parse>
void parse_list(const json& list, const char* kind, std::vector<T>& out,
                std::vector<std::string>& rejected, Parse parse) {
    if (!list.is_array()) throw BadWhole(std::string(kind) + " is not a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where = std::string(kind) + "[" + std::to_string(i) + "]";
        if (!list[i].is_object()) {
            rejected.push_back(where + " is not an object");
            continue;
        }
        try {
            out.push_back(parse(list[i], where));
        } catch (const BadBody& e) {
            rejected.push_back(e.what());
        }
    }
}

// Items of the kinds read here; unknown kinds are only named in a log line.
std::size_t item_count(const json& root) {
    std::size_t n = 0;
    for (const char* kind : {"messages", "statuses", "channelsUpdates", "templateStatus"})
        if (auto it = root.find(kind); it != root.end()) n += it->is_array() ? it->size() : 1;
    return n;
}

WebhookBody parse_object(const json& root) {
    WebhookBody body;
    if (item_count(root) > kWebhookItemLimit)
        throw BadWhole("more than " + std::to_string(kWebhookItemLimit) + " items in one body");
    auto& rejected = body.rejected;
    for (const auto& [key, value] : root.items()) {
        if (value.is_null()) continue;
        if (key == "test") {
            body.test = value.is_boolean()
                            ? value.get<bool>()
                            : (value.is_string() && value.get<std::string>() == "true");
        } else if (key == "messages") {
            parse_list(value, "messages", body.messages, rejected, parse_message);
        } else if (key == "statuses") {
            parse_list(value, "statuses", body.statuses, rejected, parse_status);
        } else if (key == "channelsUpdates") {
            parse_list(value, "channelsUpdates", body.channels_updates, rejected,
                       parse_channel_update);
        } else if (key == "templateStatus") {
            if (value.is_object()) {
                try {
                    body.template_statuses.push_back(
                        parse_template_status(value, "templateStatus"));
                } catch (const BadBody& e) {
                    rejected.push_back(e.what());
                }
            } else {
                parse_list(value, "templateStatus", body.template_statuses, rejected,
                           parse_template_status);
            }
        } else {
            if (body.unknown_kinds.size() < kMaxListedKinds) body.unknown_kinds.push_back(key);
            ++body.unknown_kind_count;
        }
    }
    return body;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

Expected<Done> check_content_type(std::string_view content_type) {
    std::string_view rest = trim(content_type);
    if (rest.empty()) return Expected<Done>::ok({});
    auto semicolon = rest.find(';');
    std::string_view media = trim(rest.substr(0, semicolon));
    if (!iequals(media, "application/json")) {
        return Expected<Done>::fail("unsupported Content-Type " + std::string(media) +
                                    ", expected application/json");
    }
    while (semicolon != std::string_view::npos) {
        rest = rest.substr(semicolon + 1);
        semicolon = rest.find(';');
        std::string param = ascii_lowercase(trim(rest.substr(0, semicolon)));
        if (param.empty()) continue;
        // "charset-utf-8" is how Wazzup actually writes it (§4.2).
        static constexpr std::array<std::string_view, 4> kUtf8 = {
            "charset=utf-8", "charset=\"utf-8\"", "charset-utf-8", "charset=utf8"};
        bool utf8 = false;
        for (auto form : kUtf8)
            utf8 = utf8 || param == form;
        if (!utf8 && param.starts_with("charset")) {
            return Expected<Done>::fail("unsupported charset in Content-Type: " + param);
        }
    }
    return Expected<Done>::ok({});
}

Expected<WebhookBody> parse_webhook(std::string_view text) {
    if (text.size() > kWebhookBodyLimit) return Expected<WebhookBody>::fail("body over 1 MiB");
    if (!nesting_within(text, kMaxDepth)) {
        return Expected<WebhookBody>::fail("JSON nested deeper than " + std::to_string(kMaxDepth) +
                                           " levels");
    }
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        // Also out_of_range for numbers beyond 64 bits. nlohmann's message is one line naming
        // the byte offset and what it found; its "[json.exception...] " prefix is dropped.
        std::string_view what = e.what();
        if (auto prefix = what.find("] "); prefix != std::string_view::npos) {
            what.remove_prefix(prefix + 2);
        }
        return Expected<WebhookBody>::fail("not JSON: " + std::string(what.substr(0, 200)));
    }
    if (!root.is_object()) return Expected<WebhookBody>::fail("body is not a JSON object");
    try {
        return Expected<WebhookBody>::ok(parse_object(root));
    } catch (const BadWhole& e) {
        return Expected<WebhookBody>::fail(e.what());
    }
}

}  // namespace reglament::wazzup
