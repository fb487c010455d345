// libFuzzer target for the Wazzup webhook parser and the Content-Type check: any bytes must
// give a value or a one-line reason, never a crash, a hang or an uncaught exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wazzup/webhook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto body = reglament::wazzup::parse_webhook(input);
    if (body) {
        for (const auto& m : body->messages) {
            if (m.message_id.empty()) __builtin_trap();  // required fields are never empty
        }
        for (const auto& s : body->statuses) {
            if (s.message_id.empty()) __builtin_trap();
        }
    } else if (body.error().empty() || body.error().find('\n') != std::string::npos) {
        __builtin_trap();  // a 400 needs a one-line reason
    }
    // The first line doubles as a Content-Type header.
    (void)reglament::wazzup::check_content_type(input.substr(0, input.find('\n')));
    return 0;
}
