// libFuzzer target for the form decoder every Bitrix24 event goes through, with the limits the
// intake uses and with the defaults: any bytes must give a tree or a FormError with a one-line
// reason, never a crash, a stack overflow (issue 19: `data` and 50,000 `[]`) or another
// exception. Each decoded tree is also dumped and re-encoded, as the daemon's later steps do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/form.hpp"

namespace {

void decode(std::string_view body, const reglament::net::FormLimits& limits) {
    try {
        auto tree = reglament::net::decode_form(body, limits);
        if (!tree.is_object()) __builtin_trap();
        (void)tree.dump();  // throws on invalid UTF-8: the decoder must have refused it
        (void)reglament::net::encode_form(tree);
    } catch (const reglament::net::FormError& e) {
        if (std::string_view(e.what()).find('\n') != std::string_view::npos) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    decode(body, {8, 1000, 256});  // what bitrix::parse_event allows
    decode(body, {});
    return 0;
}
