#include "wazzup/send_outcome.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "wazzup/json_fields.hpp"

namespace reglament::wazzup {
namespace {

std::string truncated(std::string_view s, std::size_t limit = 200) {
    std::string out(s.substr(0, limit));
    std::replace(out.begin(), out.end(), '\n', ' ');
    std::replace(out.begin(), out.end(), '\r', ' ');
    if (s.size() > limit) out += "...";
    return out;
}

}  // namespace

std::string normalize_error_code(std::string_view code) {
    std::string out;
    for (char c : code) {
        if (c == '_' || c == '-' || c == ' ') continue;
        out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return out;
}

bool same_error_code(std::string_view a, std::string_view b) {
    return normalize_error_code(a) == normalize_error_code(b);
}

ErrorBody parse_error_body(std::string_view body) {
    ErrorBody result;
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        result.description = truncated(body);  // plain-text or HTML error pages
        return result;
    }
    auto error = json.find("error");
    if (error != json.end()) {
        if (error->is_string()) {
            result.code = error->get<std::string>();
        } else if (error->is_object()) {
            result.code = string_field(*error, "code");
            if (result.description.empty())
                result.description = string_field(*error, "description");
        }
    }
    if (auto d = string_field(json, "description"); !d.empty()) result.description = truncated(d);
    return result;
}

bool means_no_whatsapp(std::string_view code) {
    return same_error_code(code, "BAD_CONTACT");
}

std::string describe(const SendOutcome& outcome) {
    struct Describer {
        std::string operator()(const Sent& s) const {
            return "sent, messageId " + (s.message_id.empty() ? "unknown" : s.message_id);
        }
        std::string operator()(const AlreadySent&) const {
            return "already sent (Wazzup saw this crmMessageId within 60 s)";
        }
        std::string operator()(const FinalError& e) const {
            std::string out = "not sent: ";
            out += e.code.empty() ? "error" : e.code;
            if (!e.description.empty()) out += " (" + e.description + ")";
            if (e.http_status) out += ", HTTP " + std::to_string(e.http_status);
            if (e.no_whatsapp) out += ", no WhatsApp on the number";
            return out;
        }
        std::string operator()(const RetryAfter& r) const {
            return "retry in " + std::to_string(r.delay.count()) + " ms: " + r.reason;
        }
    };
    return std::visit(Describer{}, outcome);
}

SendOutcome classify_send_response(int status, std::string_view body,
                                   std::string_view retry_after_header, const RetryTiming& timing) {
    if (status >= 200 && status < 300) {
        // 201 with {messageId, chatId} (§2.2); any 2xx is taken as accepted even without them.
        Sent sent;
        auto json = nlohmann::json::parse(body, nullptr, false);
        if (!json.is_discarded() && json.is_object()) {
            sent.message_id = string_field(json, "messageId");
            sent.chat_id = string_field(json, "chatId");
        }
        return sent;
    }
    ErrorBody error = parse_error_body(body);
    if (same_error_code(error.code, "REPEATED_CRM_MESSAGE_ID")) return AlreadySent{};

    if (status == 429) {
        auto wait = timing.rate_limit_wait;
        unsigned seconds = 0;
        auto [end, ec] =
            std::from_chars(retry_after_header.data(),
                            retry_after_header.data() + retry_after_header.size(), seconds);
        if (ec == std::errc{} && end == retry_after_header.data() + retry_after_header.size() &&
            seconds <= 3600) {
            wait = std::max<std::chrono::milliseconds>(wait, std::chrono::seconds(seconds));
        }
        return RetryAfter{wait, "rate limited (HTTP 429)", false};
    }
    if (status >= 500 || status == 408) {
        std::string reason = "Wazzup answered HTTP " + std::to_string(status);
        if (!error.code.empty()) reason += " " + error.code;
        return RetryAfter{timing.transient_wait, reason, true};
    }

    FinalError final_error;
    final_error.http_status = status;
    final_error.code = error.code;
    final_error.description = error.description;
    if (error.code.empty()) {
        if (status == 401) final_error.description = "API key missing or rejected";
        if (status == 403)
            final_error.description = "the key may not use this route (Sidecar key?)";
    }
    final_error.no_whatsapp = means_no_whatsapp(error.code);
    return final_error;
}

SendOutcome classify_transport_failure(std::string_view message, bool request_sent, bool timeout,
                                       const RetryTiming& timing) {
    std::string reason = timeout ? "timeout" : "connection failed";
    if (!message.empty()) reason += ": " + truncated(message);
    return RetryAfter{timing.transient_wait, reason, request_sent};
}

}  // namespace reglament::wazzup
