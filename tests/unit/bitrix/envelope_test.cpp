#include <catch2/catch.hpp>

#include "bitrix/datetime.hpp"
#include "bitrix/envelope.hpp"
#include "bitrix/redact.hpp"

namespace envelope_test {

using namespace reglament::bitrix;
using reglament::TimePoint;

TEST_CASE("envelope: a list page keeps result, total and next", "[bitrix][envelope]") {
    auto env = parse_envelope(200, R"({"result":[{"ID":"1"}],"total":120,"next":50,
        "time":{"start":1700000000.5,"finish":1700000000.9,"duration":0.4,"processing":0.3,
                "operating":12.5,"operating_reset_at":1700000600}})");
    REQUIRE(env.ok());
    CHECK(env.result[0]["ID"] == "1");
    CHECK(env.total == 120);
    CHECK(env.next == 50);
    CHECK(env.time.operating == Approx(12.5));
    CHECK(env.time.duration == Approx(0.4));
    REQUIRE(env.time.operating_reset_at);
    CHECK(env.time.operating_reset_at->time_since_epoch() == std::chrono::seconds(1700000600));
}

TEST_CASE("envelope: next 0 is a value and absent next is absent", "[bitrix][envelope]") {
    auto zero = parse_envelope(200, R"({"result":[],"next":0})");
    REQUIRE(zero.next.has_value());
    CHECK(*zero.next == 0);
    auto none = parse_envelope(200, R"({"result":[]})");
    CHECK_FALSE(none.next.has_value());
    CHECK_FALSE(none.total.has_value());
}

TEST_CASE("envelope: time fields are optional and reset may be a date", "[bitrix][envelope]") {
    auto bare = parse_envelope(200, R"({"result":true})");
    CHECK_FALSE(bare.time.operating);
    CHECK_FALSE(bare.time.operating_reset_at);
    auto dated = parse_envelope(
        200,
        R"({"result":true,"time":{"operating_reset_at":"2024-05-01T10:00:00+03:00","operating":0}})");
    REQUIRE(dated.time.operating_reset_at);
    CHECK(*dated.time.operating_reset_at == *parse_datetime("2024-05-01T07:00:00Z"));
    auto garbage = parse_envelope(200, R"({"result":1,"time":{"operating_reset_at":"soon"}})");
    CHECK(garbage.ok());
    CHECK_FALSE(garbage.time.operating_reset_at);
}

TEST_CASE("envelope: error codes as string, empty string and number", "[bitrix][envelope]") {
    auto limit = parse_envelope(
        503, R"({"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"})");
    REQUIRE(limit.error);
    CHECK(limit.error->is("query_limit_exceeded"));
    CHECK(limit.error->http_status == 503);
    CHECK(limit.error->to_string() == "QUERY_LIMIT_EXCEEDED (HTTP 503): Too many requests");

    auto not_found = parse_envelope(400, R"({"error":"","error_description":"Not found"})");
    REQUIRE(not_found.error);
    CHECK(not_found.error->code == "NOT_FOUND");

    auto numeric = parse_envelope(400, R"({"error":0,"error_description":"Bad entity type"})");
    REQUIRE(numeric.error);
    CHECK(numeric.error->code == std::string(codes::unknown));
    CHECK(numeric.error->description == "Bad entity type");

    auto zero_with_result = parse_envelope(200, R"({"error":0,"result":{"items":[]}})");
    CHECK(zero_with_result.ok());
    auto empty_with_result = parse_envelope(200, R"({"error":"","result":[1]})");
    CHECK(empty_with_result.ok());
}

TEST_CASE("envelope: an HTML body is a retryable error with a short, clean excerpt",
          "[bitrix][envelope]") {
    std::string html =
        "<html><head><title>502 Bad Gateway</title></head>\n<body>"
        "see https://p.bitrix24.ru/rest/1/s3cretcode/batch?auth=tok123 " +
        std::string(400, 'x') + "</body></html>";
    auto env = parse_envelope(502, html);
    REQUIRE(env.error);
    CHECK(env.error->code == std::string(codes::unexpected_body));
    CHECK(env.error->http_status == 502);
    CHECK(env.error->description.find("502 Bad Gateway") != std::string::npos);
    CHECK(env.error->description.find("s3cretcode") == std::string::npos);
    CHECK(env.error->description.find("tok123") == std::string::npos);
    CHECK(env.error->description.find('\n') == std::string::npos);
    CHECK(env.error->description.size() < 260);

    CHECK(parse_envelope(200, "").error->code == std::string(codes::unexpected_body));
}

TEST_CASE("envelope: JSON without result or error is unexpected", "[bitrix][envelope]") {
    auto env = parse_envelope(200, R"({"foo":1})");
    REQUIRE(env.error);
    CHECK(env.error->code == std::string(codes::unexpected_body));
    CHECK(parse_envelope(200, "[1,2]").error.has_value());
}

TEST_CASE("envelope: batch with keyed errors, totals, nexts and times", "[bitrix][envelope]") {
    auto env = parse_envelope(200, R"({"result":{
        "result":{"c1":[{"ID":"1"}],"c2":{"ID":"7"}},
        "result_error":{"c3":{"error":"ACCESS_DENIED","error_description":"Access denied"}},
        "result_total":{"c1":"75"},
        "result_next":{"c1":0},
        "result_time":{"c1":{"operating":3.5,"operating_reset_at":1700000600},"c2":{}}},
        "time":{"operating":1}})");
    REQUIRE(env.ok());
    auto b = parse_batch(env.result);
    CHECK(b.results.size() == 2);
    CHECK(b.results.at("c2")["ID"] == "7");
    CHECK(b.errors.at("c3").code == "ACCESS_DENIED");
    CHECK(b.totals.at("c1") == 75);
    CHECK(b.nexts.at("c1") == 0);
    CHECK(b.times.at("c1").operating == Approx(3.5));
    CHECK_FALSE(b.times.at("c2").operating);
}

TEST_CASE("envelope: batch errors as a keyless array and empty members as []",
          "[bitrix][envelope]") {
    auto b = parse_batch(nlohmann::json::parse(R"({"result":[],
        "result_error":[{"error":"NOT_FOUND","error_description":"Not found"}],
        "result_total":[],"result_next":[],"result_time":[]})"));
    CHECK(b.results.empty());
    CHECK(b.errors.empty());
    REQUIRE(b.unkeyed_errors.size() == 1);
    CHECK(b.unkeyed_errors[0].code == "NOT_FOUND");
}

TEST_CASE("datetime: ISO 8601 with any offset", "[bitrix][datetime]") {
    auto moscow = parse_datetime("2023-12-28T14:05:48+03:00");
    auto utc = parse_datetime("2023-12-28T11:05:48Z");
    auto minus = parse_datetime("2023-12-28T06:05:48-05:00");
    auto compact = parse_datetime("2023-12-28T14:05:48+0300");
    auto fraction = parse_datetime("2023-12-28T11:05:48.250+00:00");
    REQUIRE(moscow);
    CHECK(moscow == utc);
    CHECK(minus == utc);
    CHECK(compact == utc);
    REQUIRE(fraction);
    CHECK(*fraction - *utc == std::chrono::milliseconds(250));
}

TEST_CASE("datetime: forms without an instant are refused", "[bitrix][datetime]") {
    CHECK_FALSE(parse_datetime("24.08.2023 13:19:39"));
    CHECK_FALSE(parse_datetime("2024-08-29 10:30:11"));
    CHECK_FALSE(parse_datetime("2025-01-01"));
    CHECK_FALSE(parse_datetime("2025-02-30T00:00:00+00:00"));
    CHECK_FALSE(parse_datetime(""));
}

TEST_CASE("redact: webhook code and tokens never survive", "[bitrix][redact]") {
    CHECK(redact_url("https://p.bitrix24.ru/rest/1/s3cr3t/crm.lead.get.json?id=5") ==
          "https://p.bitrix24.ru/rest/1/***/crm.lead.get.json?id=5");
    CHECK(redact_url("https://p.bitrix24.ru/rest/crm.lead.get?auth=abc&id=5") ==
          "https://p.bitrix24.ru/rest/crm.lead.get?auth=***&id=5");
    CHECK(redact_url("https://oauth.bitrix.info/oauth/token/?grant_type=refresh_token&client_id=app"
                     "&client_secret=cs&refresh_token=rt") ==
          "https://oauth.bitrix.info/oauth/token/?grant_type=refresh_token&client_id=app"
          "&client_secret=***&refresh_token=***");
    CHECK(redact_url("https://x/rest/?access_token=a1") == "https://x/rest/?access_token=***");
    CHECK(redact_url("https://p.bitrix24.ru/rest/12/abc") == "https://p.bitrix24.ru/rest/12/***");
}

TEST_CASE("redact: free text with form bodies and JSON", "[bitrix][redact]") {
    auto text = redact_text(
        "event=ONCRMLEADADD&auth%5Bapplication_token%5D=apptok&auth[access_token]=acc "
        R"({"access_token": "jsonsecret", "refresh_token":"r\"x", "member_id":"m1"})");
    CHECK(text.find("apptok") == std::string::npos);
    CHECK(text.find("acc ") == std::string::npos);
    CHECK(text.find("jsonsecret") == std::string::npos);
    CHECK(text.find("r\\\"x") == std::string::npos);
    CHECK(text.find("ONCRMLEADADD") != std::string::npos);
    CHECK(text.find("m1") != std::string::npos);
}

}  // namespace envelope_test
