#include "emulator/wazzup_service.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "emulator/values.hpp"
#include "net/form.hpp"

namespace reglament::emulator {

using nlohmann::json;
using namespace std::chrono;

namespace {

WazzupAnswer error(int status, const std::string& code, const std::string& description,
                   json data = nullptr) {
    json b = {{"status", status},
              {"requestId", "emulator"},
              {"error", code},
              {"description", description}};
    if (!data.is_null()) b["data"] = std::move(data);
    return {status, b, std::nullopt};
}

bool is_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

// transport -> the chatType it serves (wazzup.md §3).
std::string chat_type_of(const std::string& transport) {
    if (transport == "wapi" || transport == "whatsapp") return "whatsapp";
    if (transport == "tgapi" || transport == "telegram") return "telegram";
    if (transport == "maxbot") return "max";
    return transport;
}

const std::set<std::string> kChatTypes = {"whatsapp", "whatsgroup", "viber", "instagram",
                                          "telegram", "telegroup",  "vk",    "avito",
                                          "max",      "maxgroup"};

std::string str(const json& b, const char* k) {
    auto it = b.find(k);
    return it != b.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

WazzupService::WazzupService() {
    channels.push_back({"c0ffee00-0000-4000-8000-000000000001", "whatsapp", "74950000001", "active",
                        "Call-центр WhatsApp"});
    channels.push_back({"c0ffee00-0000-4000-8000-000000000002", "wapi", "74950000002", "active",
                        "Call-центр WABA"});
    templates.push_back(
        {{"templateGuid", "7a3c0e2e-1b7f-4c9e-9a55-000000000001"},
         {"accountId", 1},
         {"title", "Не дозвонились"},
         {"name", "missed_call"},
         {"channels", json::array({"c0ffee00-0000-4000-8000-000000000002"})},
         {"category", "UTILITY"},
         {"language", "ru"},
         {"status", "approved"},
         {"components",
          json::array({{{"type", "BODY"},
                        {"text", "Здравствуйте, {{1}}! Мы не смогли до вас дозвониться."}}})}});
}

std::string WazzupService::uuid() {
    auto a = rng_(), b = rng_();
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                  static_cast<unsigned long long>(a >> 32),
                  static_cast<unsigned long long>((a >> 16) & 0xffff),
                  static_cast<unsigned long long>(a & 0xfff),
                  static_cast<unsigned long long>(b >> 52),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

const WazzupChannel* WazzupService::channel(const std::string& id) const {
    for (const auto& c : channels)
        if (c.channel_id == id) return &c;
    return nullptr;
}

void WazzupService::queue(json body, Instant due) {
    if (webhooks_uri.empty() || !subscriptions.value("messagesAndStatuses", false)) return;
    outbox_.push_back({webhooks_uri, std::move(body), due});
}

std::vector<WazzupWebhook> WazzupService::take_due(Instant now) {
    return take_due_items(outbox_, now);
}

WazzupAnswer WazzupService::handle(const std::string& method, const std::string& path,
                                   const std::string& query, const std::string& authorization,
                                   const std::string& body, Instant now) {
    if (authorization != "Bearer " + api_key)
        return {401, {{"error", "UNAUTHORIZED"}, {"description", "Unauthorized"}}, std::nullopt};
    if (!window.admit(now))
        return {429,
                {{"error", "TOO_MANY_REQUESTS"}, {"description", "Too many requests"}},
                std::nullopt};
    if (method == "POST" && path == "/v3/message") {
        json b = json::parse(body, nullptr, false);
        if (b.is_discarded() || !b.is_object())
            return error(400, "INVALID_MESSAGE_DATA", "Message data is invalid",
                         {{"fields", json::array()}});
        return send(b, now);
    }
    if (method == "GET" && path == "/v3/channels") {
        json arr = json::array();
        for (const auto& c : channels)
            arr.push_back({{"channelId", c.channel_id},
                           {"transport", c.transport},
                           {"plainId", c.plain_id},
                           {"state", c.state},
                           {"name", c.name}});
        return {200, arr, std::nullopt};
    }
    if (method == "GET" && path == "/v3/webhooks")
        return {
            200, {{"webhooksUri", webhooks_uri}, {"subscriptions", subscriptions}}, std::nullopt};
    if (method == "PATCH" && path == "/v3/webhooks") {
        json b = json::parse(body, nullptr, false);
        if (b.is_discarded() || !b.is_object())
            return error(400, "VALIDATION_ERROR", "Body is not JSON");
        std::string uri = str(b, "webhooksUri");
        bool ok =
            uri.size() <= 200 && (uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0);
        if (!ok)
            return {400,
                    {{"error", "uriNotValid"}, {"description", "Provided URI is not valid URI"}},
                    std::nullopt};
        pending_patch_body = body;
        return {0, nullptr, uri};
    }
    if (method == "GET" && path == "/v3/templates/whatsapp") {
        json q = net::decode_form(query);
        std::size_t limit = 100, offset = 0;
        try {
            if (q.contains("limit")) limit = std::stoul(q["limit"].get<std::string>());
            if (q.contains("offset")) offset = std::stoul(q["offset"].get<std::string>());
        } catch (...) {
            return error(400, "VALIDATION_ERROR", "limit and offset must be numbers");
        }
        json arr = json::array();
        for (std::size_t i = offset; i < templates.size() && arr.size() < limit; ++i)
            arr.push_back(templates[i]);
        return {200, arr, std::nullopt};
    }
    return {404, {{"error", "NOT_FOUND"}, {"description", "Route not found"}}, std::nullopt};
}

WazzupAnswer WazzupService::finish_webhook_test(const std::string& url, const json& patch,
                                                int test_status) {
    if (test_status != 200)
        return {400,
                {{"error", "testPostNotPassed"},
                 {"description", "URI does not return 200 OK on test request"},
                 {"data", {std::to_string(test_status)}}},
                std::nullopt};
    webhooks_uri = url;
    if (patch.contains("subscriptions") && patch["subscriptions"].is_object())
        for (auto it = patch["subscriptions"].begin(); it != patch["subscriptions"].end(); ++it)
            subscriptions[it.key()] =
                it.value().is_boolean() ? it.value().get<bool>() : it.value() == "true";
    return {200, {{"ok", true}}, std::nullopt};
}

// One entry of a `messages` webhook (wazzup.md §4.3): client messages are isEcho:false with
// status "inbound"; echoes of sends are isEcho:true.
json WazzupService::message_webhook(const WazzupMessage& m, Instant now,
                                    const std::string& name) const {
    json o = {{"messageId", m.message_id},
              {"channelId", m.channel_id},
              {"chatType", m.chat_type},
              {"chatId", m.chat_id},
              {"dateTime", format_utc_ms(now)},
              {"type", !m.template_id.empty()  ? "wapi_template"
                       : m.content_uri.empty() ? "text"
                                               : "document"},
              {"isEcho", !m.inbound},
              {"contact", {{"name", name.empty() ? m.chat_id : name}}},
              {"text", m.text},
              {"status", m.inbound ? "inbound" : "sent"}};
    if (!m.content_uri.empty()) o["contentUri"] = m.content_uri;
    if (!m.inbound) o["authorName"] = "API";
    return o;
}

WazzupAnswer WazzupService::send(const json& b, Instant now) {
    std::string channel_id = str(b, "channelId");
    std::string chat_type = str(b, "chatType");
    std::string chat_id = str(b, "chatId");
    if (!is_uuid(channel_id))
        return error(400, "INVALID_MESSAGE_DATA", "Message data is invalid",
                     {{"fields", {"channelId"}}});
    if (!kChatTypes.count(chat_type))
        return error(400, "INVALID_MESSAGE_DATA", "Message data is invalid",
                     {{"fields", {"chatType"}}});
    if (b.contains("chatId") && !b["chatId"].is_string())
        return error(400, "INVALID_MESSAGE_DATA", "Message data is invalid",
                     {{"fields", {"chatId"}}});
    const WazzupChannel* ch = channel(channel_id);
    if (!ch) return error(400, "CHANNEL_NOT_FOUND", "Channel not found");
    if (chat_type_of(ch->transport) != chat_type)
        return error(
            400, "WRONG_TRANSPORT",
            "You can't send message to " + chat_type + " chat from " + ch->transport + " transport",
            {{"channelId", channel_id}, {"transport", ch->transport}, {"chatType", chat_type}});
    if (ch->state != "active")
        return error(400, "MESSAGE_CHANNEL_UNAVAILABLE", "Channel is unavailable");
    std::string text = str(b, "text"), content = str(b, "contentUri"), tpl = str(b, "templateId");
    if (!text.empty() && !content.empty())
        return error(400, "MESSAGE_ONLY_TEXT_OR_CONTENT",
                     "Text and content cannot be sent together");
    // Only a WABA channel sends templates (wazzup.md §5: a personal WhatsApp channel has none).
    if (!tpl.empty() && ch->transport != "wapi")
        return error(400, "VALIDATION_ERROR", "templateId can be sent only through a WABA channel",
                     {{"fields", {"templateId"}}});
    if (text.empty() && content.empty() && tpl.empty())
        return error(400, "MESSAGE_NOTHING_TO_SEND", "No message text found");
    if (text.size() > 10000) return error(400, "MESSAGE_TEXT_TOO_LONG", "Text is too long");
    if ((chat_type == "whatsapp" || chat_type == "viber") &&
        (chat_id.empty() || !std::all_of(chat_id.begin(), chat_id.end(), ::isdigit)))
        return error(400, "INVALID_MESSAGE_DATA", "Message data is invalid",
                     {{"fields", {"chatId"}}});
    std::string crm_id = str(b, "crmMessageId");
    if (!crm_id.empty()) {
        auto it = crm_ids_.find(crm_id);
        if (it != crm_ids_.end() && now - it->second < seconds(60))
            return error(400, "REPEATED_CRM_MESSAGE_ID",
                         "You have already sent message with same crmMessageId",
                         {{"crmMessageId", crm_id}});
        crm_ids_[crm_id] = now;
    }
    WazzupMessage m;
    m.message_id = uuid();
    m.channel_id = channel_id;
    m.chat_type = chat_type;
    m.chat_id = chat_id;
    m.text = text;
    m.content_uri = content;
    m.crm_message_id = crm_id;
    m.template_id = tpl;
    m.template_values = b.value("templateValues", json::array());
    m.at = now;
    m.status = "accepted";
    // Failures Wazzup reports later, in the status webhook (wazzup.md §4.3): a number not on
    // WhatsApp, and free text into a closed WABA 24-hour window.
    if (no_whatsapp.count(chat_id) && (ch->transport == "whatsapp" || ch->transport == "wapi")) {
        m.error = "BAD_CONTACT";
    } else if (ch->transport == "wapi" && tpl.empty()) {
        auto it = last_inbound.find(chat_id);
        if (it == last_inbound.end() || now - it->second > hours(24)) m.error = "24_HOURS_EXCEEDED";
    }
    messages.push_back(m);
    if (echo_api_sends) queue({{"messages", {message_webhook(m, now)}}}, now);
    if (sent_after.count() >= 0) {
        if (!m.error.empty()) {
            set_status(m.message_id, "error", m.error, now + sent_after);
        } else {
            set_status(m.message_id, "sent", "", now + sent_after);
            if (delivered_after.count() >= 0)
                set_status(m.message_id, "delivered", "", now + delivered_after);
            if (read_after.count() >= 0) set_status(m.message_id, "read", "", now + read_after);
        }
    }
    return {201, {{"messageId", m.message_id}, {"chatId", chat_id}}, std::nullopt};
}

void WazzupService::set_status(const std::string& message_id, const std::string& status,
                               const std::string& err, Instant when) {
    for (auto& m : messages)
        if (m.message_id == message_id) {
            m.status = status;
            if (!err.empty()) m.error = err;
        }
    json s = {{"messageId", message_id}, {"timestamp", format_utc_ms(when)}, {"status", status}};
    if (status == "error") {
        std::string description =
            err == "BAD_CONTACT"
                ? "Message not sent. Number may not be on WhatsApp or uses an old version."
                : (err == "24_HOURS_EXCEEDED" ? "The 24-hour WABA dialogue is closed" : err);
        s["error"] = {{"error", err}, {"description", description}};
    }
    queue({{"statuses", {s}}}, when);
}

void WazzupService::set_channel_state(const std::string& channel_id, const std::string& state,
                                      Instant now) {
    for (auto& c : channels)
        if (c.channel_id == channel_id) {
            c.state = state;
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
            json update = {{"channelId", channel_id}, {"state", state}, {"timestamp", ms.count()}};
            if (subscriptions.value("channelsUpdates", false) && !webhooks_uri.empty())
                outbox_.push_back({webhooks_uri, {{"channelsUpdates", {update}}}, now});
            return;
        }
    throw std::invalid_argument("no such channel: " + channel_id);
}

WazzupMessage& WazzupService::client_writes(const std::string& chat_id, const std::string& text,
                                            const std::string& channel_id, const std::string& name,
                                            Instant now) {
    WazzupMessage m;
    m.message_id = uuid();
    m.channel_id =
        channel_id.empty() && !channels.empty() ? channels.front().channel_id : channel_id;
    const WazzupChannel* ch = channel(m.channel_id);
    m.chat_type = ch ? chat_type_of(ch->transport) : "whatsapp";
    m.chat_id = chat_id;
    m.text = text;
    m.inbound = true;
    m.status = "inbound";
    m.at = now;
    last_inbound[chat_id] = now;
    messages.push_back(m);
    queue({{"messages", {message_webhook(m, now, name.empty() ? chat_id : name)}}}, now);
    return messages.back();
}

}  // namespace reglament::emulator
