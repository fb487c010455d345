#include "wazzup/message.hpp"

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace reglament::wazzup {
namespace {

constexpr std::size_t kMaxPlainKey = 64;
constexpr std::size_t kHashedPrefix = 30;

bool is_safe(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
}

// FNV-1a 64 with two different offset bases: deterministic, dependency-free, and 128 bits
// make an accidental collision between two outbox keys practically impossible.
std::uint64_t fnv1a(std::string_view s, std::uint64_t basis) {
    std::uint64_t h = basis;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void append_hex(std::string& out, std::uint64_t v) {
    static constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    for (int shift = 60; shift >= 0; shift -= 4)
        out.push_back(digits[(v >> shift) & 0xF]);
}

}  // namespace

std::string crm_message_id(std::string_view key) {
    bool safe = !key.empty() && key.size() <= kMaxPlainKey;
    for (char c : key)
        safe = safe && is_safe(c);
    if (safe) return std::string(key);

    std::string id;
    for (char c : key.substr(0, kHashedPrefix))
        id.push_back(is_safe(c) ? c : '_');
    id.push_back('~');
    append_hex(id, fnv1a(key, 0xcbf29ce484222325ULL));
    append_hex(id, fnv1a(key, 0x84222325cbf29ce4ULL));
    return id;
}

std::string build_send_body(const OutgoingMessage& message) {
    const RenderedMessage& content = message.content;
    if (content.skip || (content.text.empty() && !content.is_template())) {
        throw std::invalid_argument("message to chat has neither text nor template");
    }
    nlohmann::json body = {
        {"channelId", message.channel_id},
        {"chatType", "whatsapp"},
        {"chatId", message.chat_id},
        {"clearUnanswered", false},
        {"crmMessageId", crm_message_id(message.idempotency_key)},
    };
    if (content.is_template()) {
        body["templateId"] = content.template_id;
        body["templateValues"] = content.template_values;
    } else {
        body["text"] = content.text;
    }
    // CRM texts are not guaranteed to be valid UTF-8; a bad byte must not abort the send.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace reglament::wazzup
