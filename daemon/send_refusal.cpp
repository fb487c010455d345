#include "daemon/send_refusal.hpp"

#include "wazzup/send_outcome.hpp"

namespace reglament::daemon {
namespace {

void fill(std::string& text, std::string_view name, std::string_view value) {
    for (auto at = text.find(name); at != std::string::npos;
         at = text.find(name, at + value.size()))
        text.replace(at, name.size(), value);
}

}  // namespace

SendRefusal classify_refusal(std::string_view code) {
    using wazzup::same_error_code;
    auto is = [&](std::string_view c) { return same_error_code(code, c); };
    if (is("OUTCOME_UNKNOWN"))
        return {"outcome_unknown", "Wazzup не ответил, ушло ли сообщение — неизвестно", true};
    if (is("BAD_CONTACT")) return {"no_whatsapp", "у номера клиента нет WhatsApp", false};
    if (is("CHANNEL_NOT_ACTIVE") || is("MESSAGE_CHANNEL_UNAVAILABLE") || is("CHANNEL_BLOCKED") ||
        is("CHANNEL_NO_MONEY") || is("CHANNEL_WAPI_REJECTED") || is("CHANNEL_NOT_FOUND") ||
        is("CHANNEL_REJECTED") || is("BALANCE_IS_EMPTY"))
        return {"channel_down", "канал Wazzup не работает", false};
    if (is("TEMPLATE_REJECTED")) return {"template_rejected", "Meta отклонила шаблон WABA", false};
    if (is("24_HOURS_EXCEEDED") || is("OUTSIDE_24H_WINDOW"))
        return {"outside_24h_window",
                "клиент не писал 24 часа, а канал WABA пишет первым только шаблоном", false};
    if (is("TEMPLATE_NEEDS_WABA") || is("WRONG_TRANSPORT") || is("MESSAGES_ABNORMAL_SEND") ||
        is("MESSAGES_INVALID_CONTACT_TYPE"))
        return {"wrong_channel", "канал Wazzup не может отправить такое сообщение", false};
    std::string other = "Wazzup отказал";
    if (!code.empty()) other += " (" + std::string(code) + ")";
    return {"refused", other, false};
}

std::string refusal_notice(std::string text, std::string_view template_name,
                           std::string_view title, std::string_view reason) {
    fill(text, "{template}", template_name);
    fill(text, "{title}", title);
    fill(text, "{reason}", reason);
    return text;
}

}  // namespace reglament::daemon
