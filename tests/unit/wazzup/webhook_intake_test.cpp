#include <catch2/catch.hpp>

#include "wazzup/webhook_intake.hpp"

namespace webhook_intake_test {

using namespace reglament::wazzup;

namespace {
const std::string kSecret = "Zr8s6yq2XbW4kP0nLm3T";
const char* kWazzupType = "application/json; charset-utf-8";
}  // namespace

TEST_CASE("Secrets compare by content only", "[wazzup]") {
    CHECK(secret_equal(kSecret, kSecret));
    CHECK_FALSE(secret_equal("Zr8s6yq2XbW4kP0nLm3t", kSecret));
    CHECK_FALSE(secret_equal(kSecret + "x", kSecret));
    CHECK_FALSE(secret_equal("", kSecret));
    CHECK_FALSE(secret_equal("", ""));
    CHECK_FALSE(secret_equal("Zr8s6yq2XbW4kP0nLm3", kSecret));
}

TEST_CASE("Intake: the test POST as Wazzup sends it is 200", "[wazzup]") {
    auto d = decide_intake(kSecret, kSecret, kWazzupType, R"({"test": true})");
    CHECK(d.status == 200);
    REQUIRE(d.body);
    CHECK(d.body->test);
}

TEST_CASE("Intake: a message and a status in one body are both kept", "[wazzup]") {
    auto d = decide_intake(kSecret, kSecret, kWazzupType, R"({
      "messages":[{"messageId":"in-1","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
                   "dateTime":"2025-02-05T06:00:00.000Z","isEcho":false,"status":"inbound"}],
      "statuses":[{"messageId":"out-1","timestamp":"2025-02-05T06:01:07.499Z","status":"delivered"}]})");
    CHECK(d.status == 200);
    REQUIRE(d.body);
    CHECK(d.body->messages.size() == 1);
    CHECK(d.body->statuses.size() == 1);
}

TEST_CASE("Intake: wrong secret 404, too big 413, wrong type 415, bad body 400", "[wazzup]") {
    auto wrong = decide_intake("guess", kSecret, kWazzupType, R"({"test":true})");
    CHECK(wrong.status == 404);
    CHECK(wrong.reason.find("guess") == std::string::npos);
    CHECK(wrong.reason.find(kSecret) == std::string::npos);
    CHECK_FALSE(wrong.body);

    CHECK(decide_intake(kSecret, kSecret, kWazzupType, std::string(kWebhookBodyLimit + 1, ' '))
              .status == 413);
    auto form = decide_intake(kSecret, kSecret, "text/plain", R"({"test":true})");
    CHECK(form.status == 415);
    CHECK(form.reason == "unsupported Content-Type text/plain, expected application/json");

    auto bad = decide_intake(kSecret, kSecret, kWazzupType, R"({"statuses":[{"status":"read"}]})");
    CHECK(bad.status == 400);
    CHECK(bad.reason == "statuses[0]: missing messageId");

    auto all_bad = decide_intake(kSecret, kSecret, kWazzupType,
                                 R"({"statuses":[{"status":"read"},{"messageId":"m"}]})");
    CHECK(all_bad.status == 400);
    CHECK(all_bad.reason == "statuses[0]: missing messageId (and 1 more)");

    auto partly =
        decide_intake(kSecret, kSecret, kWazzupType,
                      R"({"statuses":[{"status":"read"},{"messageId":"m","status":"read"}]})");
    CHECK(partly.status == 200);
    REQUIRE(partly.body);
    CHECK(partly.body->statuses.size() == 1);
    CHECK(partly.body->rejected == std::vector<std::string>{"statuses[0]: missing messageId"});
}

}  // namespace webhook_intake_test
