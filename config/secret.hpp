// A credential read from the config: formatting it in any way prints a placeholder, so a log
// line or an error message can never leak it (COMMON.md: secrets never appear in logs).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#if __has_include(<fmt/core.h>)
#include <fmt/core.h>
#endif

namespace reglament::config {

class Secret {
  public:
    static constexpr std::string_view placeholder = "<secret>";

    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    // The one way to the value: for the HTTP client that must send it.
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

  private:
    std::string value_;
};

std::ostream& operator<<(std::ostream& out, const Secret& secret);

}  // namespace reglament::config

#if __has_include(<fmt/core.h>)
// Writes the placeholder itself so that only <fmt/core.h> is needed; format specs are refused.
template <>
struct fmt::formatter<reglament::config::Secret> {
    constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
    template <typename FormatContext>
    auto format(const reglament::config::Secret&, FormatContext& ctx) const {
        auto out = ctx.out();
        for (char c : reglament::config::Secret::placeholder)
            *out++ = c;
        return out;
    }
};
#endif
