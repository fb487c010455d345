#include <catch2/catch.hpp>

#include "bitrix/limiter.hpp"

namespace limiter_test {

using namespace reglament::bitrix;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock::time_point;

namespace {
// Sends as fast as the limiter lets it for `span`, returns how many requests went out.
int drive(RateLimiter& limiter, Steady& now, std::chrono::milliseconds span) {
    Steady end = now + span;
    int sent = 0;
    while (true) {
        auto wait = limiter.delay_for_next(now);
        if (now + wait > end) break;
        now += wait;
        limiter.on_sent(now);
        ++sent;
    }
    now = end;
    return sent;
}
}  // namespace

TEST_CASE("limiter: burst then the drain rate, never above the portal's bucket",
          "[bitrix][limiter]") {
    RateLimiter limiter(BucketOptions::standard());
    Steady now{};
    int burst = drive(limiter, now, 0ms);
    CHECK(burst == 48);  // 50 minus 2 headroom, all at once
    // Then 2 per second: 20 s adds 40 requests.
    int steady = drive(limiter, now, 20s);
    CHECK(steady == 40);
    CHECK(limiter.level(now) <= 50.0);
    CHECK(limiter.delay_for_next(now) == 500ms);
}

TEST_CASE("limiter: the enterprise preset allows 250 then 5/s", "[bitrix][limiter]") {
    RateLimiter limiter(BucketOptions::enterprise());
    Steady now{};
    CHECK(drive(limiter, now, 0ms) == 248);
    CHECK(drive(limiter, now, 10s) == 50);
}

TEST_CASE("limiter: an idle bucket drains back to empty", "[bitrix][limiter]") {
    RateLimiter limiter;
    Steady now{};
    drive(limiter, now, 0ms);
    CHECK(limiter.level(now) == Approx(48));
    now += 10s;
    CHECK(limiter.level(now) == Approx(28));
    now += 1h;
    CHECK(limiter.level(now) == Approx(0));
    CHECK(limiter.delay_for_next(now) == 0ms);
}

TEST_CASE("limiter: QUERY_LIMIT_EXCEEDED shrinks the bucket and fills it", "[bitrix][limiter]") {
    RateLimiter limiter;
    Steady now{};
    limiter.on_limit_exceeded(now);
    CHECK(limiter.burst() == Approx(40));
    CHECK(limiter.drain_per_second() == Approx(1.6));
    // Full at 40, headroom 2: three requests' worth must drain at 1.6/s.
    CHECK(limiter.delay_for_next(now) == 1875ms);
    for (int i = 0; i < 20; ++i)
        limiter.on_limit_exceeded(now);
    CHECK(limiter.burst() == Approx(5));
    CHECK(limiter.drain_per_second() == Approx(0.5));
}

TEST_CASE("limiter: quiet periods grow the bucket back to the configured size",
          "[bitrix][limiter]") {
    RateLimiter limiter;
    Steady now{};
    limiter.on_limit_exceeded(now);
    now += 59s;
    limiter.level(now);
    CHECK(limiter.burst() == Approx(40));
    now += 1s;
    limiter.level(now);
    CHECK(limiter.burst() == Approx(44));
    now += 10min;
    limiter.level(now);
    CHECK(limiter.burst() == Approx(50));
    CHECK(limiter.drain_per_second() == Approx(2));
    // A new 503 during recovery starts the quiet period again.
    limiter.on_limit_exceeded(now);
    now += 30s;
    limiter.level(now);
    CHECK(limiter.burst() == Approx(40));
}

TEST_CASE("operating: a method near the limit waits until the reset", "[bitrix][limiter]") {
    OperatingBudget budget;
    reglament::TimePoint wall{std::chrono::seconds(1'700'000'000)};
    Steady now{};
    auto reset = wall + 200s;
    budget.record("crm.item.update", 300.0, reset, wall, now);
    CHECK(budget.wait_for("crm.item.update", now) == 0ms);
    budget.record("crm.item.update", 476.0, reset, wall, now);
    CHECK(budget.wait_for("crm.item.update", now) == 201s);
    CHECK(budget.wait_for("crm.lead.list", now) == 0ms);  // other methods keep working
    CHECK(budget.wait_for("crm.item.update", now + 201s) == 0ms);
}

TEST_CASE("operating: the reset is measured from when it was reported", "[bitrix][limiter]") {
    OperatingBudget budget;
    reglament::TimePoint wall{std::chrono::seconds(1'700'000'000)};
    Steady now = Steady{} + 1h;  // steady and wall time have unrelated origins
    budget.record("batch", 479.0, wall + 30s, wall, now);
    CHECK(budget.wait_for("batch", now) == 31s);
    CHECK(budget.wait_for("batch", now + 10s) == 21s);
    // A reset already in the past is no reset: wait for the next basket.
    OperatingBudget stale;
    stale.record("batch", 479.0, wall - 5s, wall, now);
    CHECK(stale.wait_for("batch", now) == 60s);
}

TEST_CASE("operating: absent or zero counters are ignored", "[bitrix][limiter]") {
    OperatingBudget budget;
    reglament::TimePoint wall{std::chrono::seconds(1'700'000'000)};
    Steady now{};
    budget.record("batch", std::nullopt, std::nullopt, wall, now);
    budget.record("batch", 0.0, std::nullopt, wall, now);
    CHECK_FALSE(budget.operating("batch"));
    budget.record("batch", 479.0, std::nullopt, wall, now);
    CHECK(budget.wait_for("batch", now) == 60s);  // no reset known: the next basket
}

TEST_CASE("operating: OPERATION_TIME_LIMIT uses the last reset, then the next basket",
          "[bitrix][limiter]") {
    OperatingBudget budget;
    reglament::TimePoint wall{std::chrono::seconds(1'700'000'000)};
    Steady now{};
    budget.record("tasks.task.list", 100.0, wall + 30s, wall, now);
    budget.on_blocked("tasks.task.list", now);
    CHECK(budget.wait_for("tasks.task.list", now) == 31s);
    now += 31s;
    budget.on_blocked("tasks.task.list", now);  // still blocked: the reset was used up
    CHECK(budget.wait_for("tasks.task.list", now) == 60s);
}

}  // namespace limiter_test
