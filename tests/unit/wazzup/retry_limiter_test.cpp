#include <catch2/catch.hpp>

#include "wazzup/request_limiter.hpp"
#include "wazzup/retry_policy.hpp"

namespace retry_limiter_test {

using namespace reglament::wazzup;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock::time_point;

namespace {
const Steady t0{};

RetryAfter transient() {
    return RetryAfter{2s, "HTTP 502", true};
}
RetryAfter rate_limited() {
    return RetryAfter{5s, "HTTP 429", false};
}
}  // namespace

TEST_CASE("A success or final error ends the send at once", "[wazzup]") {
    SendRetries r{RetryPolicy{}};
    r.attempt_started(t0);
    auto done = r.after(Sent{"m1", "79123456789"}, t0 + 1s);
    REQUIRE(std::holds_alternative<SendOutcome>(done));
    CHECK(std::get<Sent>(std::get<SendOutcome>(done)).message_id == "m1");
}

TEST_CASE("Transient failures retry only inside the 60 s crmMessageId window", "[wazzup]") {
    SendRetries r{RetryPolicy{}};
    Steady now = t0;
    r.attempt_started(now);
    now += 15s;  // the request timed out
    auto first = r.after(transient(), now);
    REQUIRE(std::holds_alternative<SendRetries::Wait>(first));
    CHECK(std::get<SendRetries::Wait>(first) == 2s);

    now += 2s;
    r.attempt_started(now);
    now += 15s;
    CHECK(std::holds_alternative<SendRetries::Wait>(r.after(transient(), now)));  // next at 34 s

    now += 2s;
    r.attempt_started(now);
    now += 15s;  // 49 s: a retry at 51 s + 10 s margin would pass 60 s
    auto last = r.after(transient(), now);
    REQUIRE(std::holds_alternative<SendOutcome>(last));
    const auto& gave_up = std::get<RetryAfter>(std::get<SendOutcome>(last));
    CHECK(gave_up.may_have_been_sent);
    CHECK(gave_up.reason.find("60 s crmMessageId window") != std::string::npos);
    CHECK(r.attempts() == 3);
}

TEST_CASE("429 alone is retried beyond 60 s: Wazzup never took the request", "[wazzup]") {
    RetryPolicy policy;
    policy.max_attempts = 30;
    SendRetries r{policy};
    Steady now = t0;
    for (int i = 0; i < 20; ++i) {
        r.attempt_started(now);
        auto next = r.after(rate_limited(), now);
        REQUIRE(std::holds_alternative<SendRetries::Wait>(next));
        CHECK(std::get<SendRetries::Wait>(next) >= 5s);
        now += std::get<SendRetries::Wait>(next);
    }
    CHECK(now - t0 >= 100s);
}

TEST_CASE("After a maybe-sent attempt, 429 retries are bound by the window too", "[wazzup]") {
    SendRetries r{RetryPolicy{}};
    r.attempt_started(t0);
    REQUIRE(std::holds_alternative<SendRetries::Wait>(r.after(transient(), t0 + 40s)));
    r.attempt_started(t0 + 42s);
    auto next = r.after(rate_limited(), t0 + 46s);  // 51 s + 10 s margin > 60 s
    REQUIRE(std::holds_alternative<SendOutcome>(next));
    CHECK(std::get<RetryAfter>(std::get<SendOutcome>(next)).may_have_been_sent);
}

TEST_CASE("Attempts are capped", "[wazzup]") {
    RetryPolicy policy;
    policy.max_attempts = 2;
    SendRetries r{policy};
    r.attempt_started(t0);
    REQUIRE(std::holds_alternative<SendRetries::Wait>(r.after(rate_limited(), t0)));
    r.attempt_started(t0 + 5s);
    auto done = r.after(rate_limited(), t0 + 5s);
    REQUIRE(std::holds_alternative<SendOutcome>(done));
    const auto& gave_up = std::get<RetryAfter>(std::get<SendOutcome>(done));
    CHECK(gave_up.reason.find("gave up after 2 attempts") != std::string::npos);
    CHECK_FALSE(gave_up.may_have_been_sent);
}

TEST_CASE("The limiter lets 400 requests through per 5 s and spaces the rest", "[wazzup]") {
    RequestLimiter limiter;
    for (int i = 0; i < 400; ++i)
        CHECK(limiter.reserve(t0 + std::chrono::milliseconds(i)) ==
              t0 + std::chrono::milliseconds(i));
    // The 401st waits until the first leaves the window.
    CHECK(limiter.reserve(t0 + 1s) == t0 + 5s);
    CHECK(limiter.reserve(t0 + 1s) == t0 + 5s + 1ms);
    CHECK(limiter.reserve(t0 + 20s) == t0 + 20s);
}

TEST_CASE("Any 5 s span holds at most the limit", "[wazzup]") {
    RequestLimiter limiter(3, 5s);
    std::vector<Steady> starts;
    for (int i = 0; i < 10; ++i)
        starts.push_back(limiter.reserve(t0 + std::chrono::seconds(i / 4)));
    for (std::size_t i = 3; i < starts.size(); ++i)
        CHECK(starts[i] - starts[i - 3] >= 5s);
    CHECK_THROWS_AS(RequestLimiter(0, 5s), std::invalid_argument);
}

TEST_CASE("After a 429 nothing goes out before the hold ends", "[wazzup]") {
    RequestLimiter limiter;
    CHECK(limiter.reserve(t0) == t0);
    limiter.hold_until(t0 + 5s);
    limiter.hold_until(t0 + 2s);  // a shorter hold does not shorten it
    CHECK(limiter.reserve(t0 + 1s) == t0 + 5s);
    CHECK(limiter.reserve(t0 + 6s) == t0 + 6s);
}

}  // namespace retry_limiter_test
