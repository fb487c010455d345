#include "wazzup/webhook_intake.hpp"

namespace reglament::wazzup {

bool secret_equal(std::string_view given, std::string_view expected) {
    if (expected.empty()) return false;  // an unset secret opens nothing
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i) {
        diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
    }
    return diff == 0;
}

IntakeDecision decide_intake(std::string_view path_secret, std::string_view configured_secret,
                             std::string_view content_type, std::string_view body) {
    if (!secret_equal(path_secret, configured_secret)) return {404, "unknown webhook path", {}};
    if (body.size() > kWebhookBodyLimit) return {413, "body over 1 MiB", {}};
    if (auto type = check_content_type(content_type); !type) return {415, type.error(), {}};
    auto parsed = parse_webhook(body);
    if (!parsed) return {400, parsed.error(), {}};
    // Nothing but bad items: nothing to keep, and the sender learns why. With one good item
    // the POST is 200 and the bad ones are the intake's to log and count.
    if (!parsed->rejected.empty() && parsed->empty()) {
        std::string reason = parsed->rejected.front();
        if (parsed->rejected.size() > 1)
            reason += " (and " + std::to_string(parsed->rejected.size() - 1) + " more)";
        return {400, std::move(reason), {}};
    }
    return {200, {}, std::move(parsed).value()};
}

}  // namespace reglament::wazzup
