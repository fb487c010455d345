#include <catch2/catch.hpp>

#include "rules/iso_time.hpp"

namespace iso_time_test {

using reglament::format_iso8601;
using reglament::parse_iso8601;

TEST_CASE("iso8601: the same instant whatever offset it is written in", "[rules][time]") {
    auto moscow = parse_iso8601("2026-03-02T09:00:00+03:00");
    auto utc = parse_iso8601("2026-03-02T06:00:00Z");
    auto novosibirsk = parse_iso8601("2026-03-02T13:00:00+0700");
    REQUIRE(moscow);
    CHECK(moscow == utc);
    CHECK(moscow == novosibirsk);
    CHECK(format_iso8601(*moscow) == "2026-03-02T06:00:00Z");
    CHECK(format_iso8601(*moscow, 180) == "2026-03-02T09:00:00+03:00");
}

TEST_CASE("iso8601: milliseconds, bare dates, missing offsets and garbage", "[rules][time]") {
    auto wazzup = parse_iso8601("2025-05-06T14:16:00.002Z");
    REQUIRE(wazzup);
    CHECK(format_iso8601(*wazzup) == "2025-05-06T14:16:00Z");
    CHECK((wazzup->time_since_epoch().count() % 1000) == 2);
    CHECK(parse_iso8601("2025-01-01") == parse_iso8601("2025-01-01T00:00:00Z"));
    CHECK(parse_iso8601("2025-12-31T23:59:59", 180) == parse_iso8601("2025-12-31T23:59:59+03:00"));
    CHECK_FALSE(parse_iso8601("24.08.2023 13:19:39"));
    CHECK_FALSE(parse_iso8601("2026-02-30T00:00:00Z"));
    CHECK_FALSE(parse_iso8601("2026-03-02T09:00:00+03:00 trailing"));
    CHECK_FALSE(parse_iso8601(""));
}

}  // namespace iso_time_test
