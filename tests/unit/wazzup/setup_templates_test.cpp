#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "wazzup/waba_templates.hpp"
#include "wazzup/webhook_setup.hpp"

namespace setup_templates_test {

using namespace reglament::wazzup;
using nlohmann::json;

TEST_CASE("PATCH /v3/webhooks body with the subscriptions we need", "[wazzup]") {
    auto body = build_webhooks_body("https://crm.example.ru/hooks/wazzup/s3cret", {});
    REQUIRE(body);
    CHECK(json::parse(*body) == json{{"webhooksUri", "https://crm.example.ru/hooks/wazzup/s3cret"},
                                     {"subscriptions",
                                      {{"messagesAndStatuses", true},
                                       {"contactsAndDealsCreation", false},
                                       {"channelsUpdates", true},
                                       {"templateStatus", false}}}});
}

TEST_CASE("A webhook URL Wazzup would refuse is caught before asking, secret not quoted",
          "[wazzup]") {
    std::string long_uri = "https://crm.example.ru/hooks/wazzup/" + std::string(170, 's');
    auto too_long = build_webhooks_body(long_uri, {});
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error() ==
          "the public webhook URL is 206 characters long; Wazzup accepts at most 200");
    CHECK(build_webhooks_body("", {}).error() == "the daemon's public webhook URL is not set");
    auto ftp = build_webhooks_body("ftp://x/secret", {});
    REQUIRE_FALSE(ftp);
    CHECK(ftp.error().find("secret") == std::string::npos);
}

TEST_CASE("Wazzup's webhook refusals in plain words", "[wazzup]") {
    auto test_failed = explain_webhooks_failure(
        400,
        R"({"error":"testPostNotPassed","description":"URI does not return 200 OK on test request","data":{"404":""}})");
    CHECK(test_failed.starts_with(
        "Wazzup sent its test POST to the webhook URL and did not get 200 OK"));
    CHECK(test_failed.find("404") != std::string::npos);
    CHECK(explain_webhooks_failure(400, R"({"error":"URI_NOT_VALID"})")
              .starts_with("Wazzup does not accept the webhook URL"));
    CHECK(explain_webhooks_failure(401, "").find("API key") != std::string::npos);
    CHECK(explain_webhooks_failure(500, R"({"error":"X","description":"boom"})") ==
          "Wazzup refused the webhook settings (HTTP 500, X): boom");
}

TEST_CASE("WABA template list: bare array or data envelope, status any case", "[wazzup]") {
    auto list = parse_templates(R"([
      {"templateGuid":"g1","title":"Недозвон","name":"nedozvon","status":"approved",
       "language":"ru","channels":["ch-1","ch-2"],"components":[{"type":"BODY","text":"{{1}}"}]},
      {"templateGuid":"g2","title":"Игнор","status":"REJECTED"},
      {"title":"no guid"}])");
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].approved());
    CHECK((*list)[0].channels == std::vector<std::string>{"ch-1", "ch-2"});
    CHECK((*list)[0].title == "Недозвон");
    CHECK_FALSE((*list)[1].approved());
    auto wrapped = parse_templates(R"({"data":[{"templateGuid":"g3","status":"APPROVED"}]})");
    REQUIRE(wrapped);
    CHECK((*wrapped)[0].approved());
    CHECK_FALSE(parse_templates("<html>"));
}

}  // namespace setup_templates_test
