// libFuzzer target for the outbound-event parser: any byte string must give an event or a
// one-line reason, never a crash, an exception or a multi-line error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bitrix/event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto result = reglament::bitrix::parse_event(body);
    if (result.event.has_value() == !result.error.empty()) std::abort();
    if (result.event) {
        (void)result.event->is("ONCRMLEADADD");
        (void)reglament::bitrix::token_matches("expected", result.event->auth.application_token);
    }
    return 0;
}
