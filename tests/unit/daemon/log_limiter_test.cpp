#include <catch2/catch.hpp>

#include "daemon/log_limiter.hpp"

namespace log_limiter_test {

using reglament::daemon::left_out_suffix;
using reglament::daemon::LogLimiter;

TEST_CASE("log limiter: a burst per key and window, then a count of what was left out",
          "[daemon][log]") {
    auto now = std::chrono::steady_clock::time_point{};
    LogLimiter limiter(3, std::chrono::seconds(60), [&] { return now; });
    int written = 0;
    for (int i = 0; i < 10000; ++i)
        written += limiter.allow("wazzup.kind") ? 1 : 0;
    CHECK(written == 3);
    CHECK(limiter.allow("bitrix.malformed") == std::optional<std::size_t>(0));  // its own key

    now += std::chrono::seconds(59);
    CHECK_FALSE(limiter.allow("wazzup.kind"));
    now += std::chrono::seconds(1);
    CHECK(limiter.allow("wazzup.kind") == std::optional<std::size_t>(9998));
    CHECK(limiter.allow("wazzup.kind") == std::optional<std::size_t>(0));

    CHECK(left_out_suffix(0).empty());
    CHECK(left_out_suffix(1) == " (1 similar line left out)");
    CHECK(left_out_suffix(9998) == " (9998 similar lines left out)");
}

}  // namespace log_limiter_test
