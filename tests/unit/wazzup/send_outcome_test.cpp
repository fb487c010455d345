#include <catch2/catch.hpp>

#include "wazzup/send_outcome.hpp"

namespace send_outcome_test {

using namespace reglament::wazzup;
using namespace std::chrono_literals;

TEST_CASE("Error codes compare across spellings", "[wazzup]") {
    CHECK(same_error_code("REPEATED_CRM_MESSAGE_ID", "repeatedCrmMessageId"));
    CHECK(same_error_code("24_HOURS_EXCEEDED", "24HoursExceeded"));
    CHECK_FALSE(same_error_code("BAD_CONTACT", "CHANNEL_BLOCKED"));
    CHECK(normalize_error_code("uriNotValid") == "URINOTVALID");
}

TEST_CASE("201 with messageId is sent", "[wazzup]") {
    auto o = classify_send_response(
        201, R"({"messageId":"f66c53a6-957a-46b2-b41b-5a2ef4844bcb","chatId":"79999999999"})");
    REQUIRE(std::holds_alternative<Sent>(o));
    CHECK(std::get<Sent>(o).message_id == "f66c53a6-957a-46b2-b41b-5a2ef4844bcb");
    CHECK(std::get<Sent>(o).chat_id == "79999999999");
    // Any 2xx counts, even with an unexpected body.
    CHECK(std::holds_alternative<Sent>(classify_send_response(200, "ok")));
}

TEST_CASE("Repeated crmMessageId in either spelling is already sent", "[wazzup]") {
    auto upper = classify_send_response(
        400,
        R"({"status":400,"requestId":"c1005276e8a2b5aa23fcc94407d39f49","error":"REPEATED_CRM_MESSAGE_ID","description":"You have already sent message with same crmMessageId","data":{"crmMessageId":"1"}})");
    CHECK(std::holds_alternative<AlreadySent>(upper));
    auto camel = classify_send_response(
        400,
        R"({"error":"repeatedCrmMessageId","description":"You have already sent message with the same crmMessageId"})");
    CHECK(std::holds_alternative<AlreadySent>(camel));
}

TEST_CASE("Final errors carry code and description — BAD_CONTACT means no WhatsApp", "[wazzup]") {
    auto bad = classify_send_response(
        400,
        R"({"error":"BAD_CONTACT","description":"Message not sent. Number may not be on WhatsApp"})");
    REQUIRE(std::holds_alternative<FinalError>(bad));
    CHECK(std::get<FinalError>(bad).code == "BAD_CONTACT");
    CHECK(std::get<FinalError>(bad).no_whatsapp);
    CHECK(std::get<FinalError>(bad).http_status == 400);
    CHECK(describe(bad) ==
          "not sent: BAD_CONTACT (Message not sent. Number may not be on WhatsApp), HTTP 400, "
          "no WhatsApp on the number");

    for (const char* code : {"CHANNEL_BLOCKED", "24_HOURS_EXCEEDED", "CHANNEL_NOT_FOUND",
                             "INVALID_MESSAGE_DATA", "WRONG_TRANSPORT", "TEMPLATE_REJECTED"}) {
        INFO(code);
        auto o = classify_send_response(
            400, std::string(R"({"error":")") + code + R"(","description":"d"})");
        REQUIRE(std::holds_alternative<FinalError>(o));
        CHECK(std::get<FinalError>(o).code == code);
        CHECK_FALSE(std::get<FinalError>(o).no_whatsapp);
    }
    auto not_found = classify_send_response(404, R"({"error":"CHANNEL_NOT_FOUND"})");
    CHECK(std::holds_alternative<FinalError>(not_found));
}

TEST_CASE("Empty and odd error bodies still classify", "[wazzup]") {
    auto empty401 = classify_send_response(401, "");
    REQUIRE(std::holds_alternative<FinalError>(empty401));
    CHECK(std::get<FinalError>(empty401).description == "API key missing or rejected");
    auto nested = parse_error_body(R"({"error":{"code":"CHAT_NO_ACCESS"}})");
    CHECK(nested.code == "CHAT_NO_ACCESS");
    auto html = parse_error_body("<html>\nBad gateway\n</html>");
    CHECK(html.code.empty());
    CHECK(html.description == "<html> Bad gateway </html>");
}

TEST_CASE("429 waits at least the 5 s floor — 5xx and timeouts are transient", "[wazzup]") {
    auto limited = classify_send_response(429, "");
    REQUIRE(std::holds_alternative<RetryAfter>(limited));
    CHECK(std::get<RetryAfter>(limited).delay == 5s);
    CHECK_FALSE(std::get<RetryAfter>(limited).may_have_been_sent);
    CHECK(std::get<RetryAfter>(classify_send_response(429, "", "12")).delay == 12s);
    CHECK(std::get<RetryAfter>(classify_send_response(429, "", "1")).delay == 5s);
    CHECK(std::get<RetryAfter>(classify_send_response(429, "", "soon")).delay == 5s);

    RetryTiming quick{50ms, 10ms};
    CHECK(std::get<RetryAfter>(classify_send_response(429, "", "", quick)).delay == 50ms);

    auto server = classify_send_response(502, "Bad gateway");
    REQUIRE(std::holds_alternative<RetryAfter>(server));
    CHECK(std::get<RetryAfter>(server).may_have_been_sent);

    auto refused = classify_transport_failure("connection refused", false, false);
    CHECK_FALSE(std::get<RetryAfter>(refused).may_have_been_sent);
    auto timeout = classify_transport_failure("", true, true);
    CHECK(std::get<RetryAfter>(timeout).may_have_been_sent);
    CHECK(std::get<RetryAfter>(timeout).reason == "timeout");
}

}  // namespace send_outcome_test
