#include <catch2/catch.hpp>

#include "wazzup/iso_time.hpp"
#include "wazzup/webhook.hpp"

namespace webhook_test {

using namespace reglament::wazzup;

TEST_CASE("Content-Type as Wazzup literally sends it is accepted", "[wazzup]") {
    CHECK(check_content_type("application/json; charset-utf-8"));
    CHECK(check_content_type("application/json; charset=utf-8"));
    CHECK(check_content_type("Application/JSON;charset=UTF-8"));
    CHECK(check_content_type("application/json"));
    CHECK(check_content_type(""));
    auto form = check_content_type("application/x-www-form-urlencoded");
    REQUIRE_FALSE(form);
    CHECK(form.error() ==
          "unsupported Content-Type application/x-www-form-urlencoded, expected application/json");
    auto cp1251 = check_content_type("application/json; charset=windows-1251");
    REQUIRE_FALSE(cp1251);
    CHECK(cp1251.error() == "unsupported charset in Content-Type: charset=windows-1251");
}

TEST_CASE("The test POST", "[wazzup]") {
    auto body = parse_webhook(R"({"test": true})");
    REQUIRE(body);
    CHECK(body->test);
    CHECK_FALSE(body->empty());
    CHECK(body->unknown_kinds.empty());
}

TEST_CASE("An incoming WhatsApp message", "[wazzup]") {
    auto body = parse_webhook(R"({"messages":[{
        "messageId":"57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111",
        "channelId":"e5a0c2f3-1111-4e2b-9a1d-000000000001",
        "chatType":"whatsapp","chatId":"79123456789",
        "dateTime":"2025-05-06T14:16:00.002Z","type":"text","isEcho":false,
        "status":"inbound","text":"Здравствуйте, когда встреча?",
        "contact":{"name":"Анна","avatarUri":"https://store.wazzup24.com/a.jpg"},
        "sentFromApp":false,"someFutureField":{"x":[1,2,3]}}]})");
    REQUIRE(body);
    REQUIRE(body->messages.size() == 1);
    const auto& m = body->messages[0];
    CHECK(m.message_id == "57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111");
    CHECK(m.channel_id == "e5a0c2f3-1111-4e2b-9a1d-000000000001");
    CHECK(m.chat_type == "whatsapp");
    CHECK(m.chat_id == "79123456789");
    CHECK(m.date_time == parse_iso_time("2025-05-06T14:16:00.002Z"));
    CHECK(m.type == "text");
    CHECK(m.status == DeliveryStatus::inbound);
    CHECK(m.text == "Здравствуйте, когда встреча?");
    CHECK(m.contact.name == "Анна");
    CHECK(m.contact.avatar_uri == "https://store.wazzup24.com/a.jpg");
    CHECK(m.from_client());
    CHECK_FALSE(m.error);
}

TEST_CASE("An echo from the manager's phone, edited and deleted messages", "[wazzup]") {
    auto body = parse_webhook(R"({"messages":[
      {"messageId":"m1","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
       "dateTime":"2025-05-06T14:17:00.000Z","type":"text","isEcho":true,"status":"sent",
       "text":"Добрый день","authorName":"Михаил","authorId":"u-5"},
      {"messageId":"m2","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
       "type":"text","isEcho":false,"isEdited":true,"text":"исправлено",
       "oldInfo":{"oldText":"испрвлено"}},
      {"messageId":"m3","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
       "type":"text","isEcho":"false","isDeleted":true}]})");
    REQUIRE(body);
    REQUIRE(body->messages.size() == 3);
    CHECK(body->messages[0].is_echo);
    CHECK_FALSE(body->messages[0].from_client());
    CHECK(body->messages[0].author_name == "Михаил");
    CHECK(body->messages[0].author_id == "u-5");
    CHECK(body->messages[0].status == DeliveryStatus::sent);
    CHECK(body->messages[1].is_edited);
    CHECK_FALSE(body->messages[1].from_client());
    CHECK_FALSE(body->messages[1].date_time);
    CHECK(body->messages[2].is_deleted);
    CHECK_FALSE(body->messages[2].is_echo);
    CHECK_FALSE(body->messages[2].from_client());
}

TEST_CASE("A message in error carries the code", "[wazzup]") {
    auto body = parse_webhook(R"({"messages":[{"messageId":"m1","channelId":"c",
        "chatType":"whatsapp","chatId":"79123456789","type":"text","isEcho":true,
        "status":"error","error":{"error":"24_HOURS_EXCEEDED",
        "description":"the 24-hour WABA dialogue is closed"}}]})");
    REQUIRE(body);
    const auto& m = body->messages[0];
    CHECK(m.status == DeliveryStatus::error);
    REQUIRE(m.error);
    CHECK(m.error->code == "24_HOURS_EXCEEDED");
    CHECK_FALSE(m.error->no_whatsapp());
    CHECK(m.error->description == "the 24-hour WABA dialogue is closed");
}

TEST_CASE("Messages and statuses in one body", "[wazzup]") {
    auto body = parse_webhook(R"({
      "messages":[{"messageId":"in-1","channelId":"c","chatType":"whatsapp",
                   "chatId":"79123456789","dateTime":"2025-02-05T06:00:00.000Z",
                   "type":"text","isEcho":false,"status":"inbound","text":"да"}],
      "statuses":[{"messageId":"out-1","timestamp":"2025-02-05T06:01:07.499Z","status":"read"},
                  {"messageId":"out-2","timestamp":"2025-02-05T06:01:08.000Z","status":"error",
                   "error":{"error":"BAD_CONTACT","description":"Number may not be on WhatsApp"}},
                  {"messageId":"out-3","status":"edited"},
                  {"messageId":"out-4","status":"somethingNew"}]})");
    REQUIRE(body);
    CHECK(body->messages.size() == 1);
    REQUIRE(body->statuses.size() == 4);
    CHECK(body->statuses[0].message_id == "out-1");
    CHECK(body->statuses[0].status == DeliveryStatus::read);
    CHECK(body->statuses[0].timestamp == parse_iso_time("2025-02-05T06:01:07.499Z"));
    CHECK(body->statuses[1].status == DeliveryStatus::error);
    REQUIRE(body->statuses[1].error);
    CHECK(body->statuses[1].error->code == "BAD_CONTACT");
    CHECK(body->statuses[1].error->no_whatsapp());
    CHECK(body->statuses[2].status == DeliveryStatus::edited);
    CHECK(body->statuses[3].status == DeliveryStatus::unknown);
    CHECK(body->statuses[3].status_text == "somethingNew");
}

TEST_CASE("channelsUpdates and templateStatus", "[wazzup]") {
    auto body = parse_webhook(R"({
      "channelsUpdates":[{"channelId":"c1","state":"active","tier":"TIER_1K","timestamp":1738735267499},
                         {"channelId":"c2","state":"qr","qr":"iVBORw0KGgo="}],
      "templateStatus":{"templateGuid":"6201005a-9a6f-486f-bdd5-e6cb86c76ddb",
                        "name":"nedozvon","status":"approved"}})");
    REQUIRE(body);
    REQUIRE(body->channels_updates.size() == 2);
    CHECK(body->channels_updates[0].channel_id == "c1");
    CHECK(body->channels_updates[0].state == "active");
    CHECK(body->channels_updates[0].tier == "TIER_1K");
    CHECK(body->channels_updates[0].timestamp_ms == 1738735267499);
    CHECK(body->channels_updates[1].state == "qr");
    CHECK_FALSE(body->channels_updates[1].timestamp_ms);
    REQUIRE(body->template_statuses.size() == 1);
    CHECK(body->template_statuses[0].template_guid == "6201005a-9a6f-486f-bdd5-e6cb86c76ddb");
    CHECK(body->template_statuses[0].status == "approved");
}

TEST_CASE("Kinds we do not handle are listed, not rejected", "[wazzup]") {
    auto body = parse_webhook(
        R"({"createContact":{"responsibleUserId":"1","name":"Анна"},"somethingNew":[1]})");
    REQUIRE(body);
    CHECK(body->unknown_kinds == std::vector<std::string>{"createContact", "somethingNew"});
    CHECK(body->empty());
    CHECK(parse_webhook("{}")->empty());
}

TEST_CASE("Bodies that cannot be used fail with a one-line reason", "[wazzup]") {
    auto not_json = parse_webhook("messages=1");
    REQUIRE_FALSE(not_json);
    CHECK(not_json.error().starts_with("not JSON: parse error"));
    CHECK(not_json.error().find('\n') == std::string::npos);

    // Found by the fuzzer: a number too large for 64 bits is not JSON we can use, not a crash.
    auto huge = parse_webhook(R"({"x":22222222212222220000000000005517e22222222222222222})");
    REQUIRE_FALSE(huge);
    CHECK(huge.error().starts_with("not JSON: number overflow"));

    CHECK(parse_webhook("[1,2]").error() == "body is not a JSON object");
    CHECK(parse_webhook(R"({"messages":{"messageId":"m"}})").error() == "messages is not a list");
    CHECK(parse_webhook(std::string(100, '[') + std::string(100, ']')).error() ==
          "JSON nested deeper than 32 levels");
    CHECK(parse_webhook(std::string(kWebhookBodyLimit + 1, ' ')).error() == "body over 1 MiB");
    std::string many = R"({"statuses":[)";
    for (std::size_t i = 0; i <= kWebhookItemLimit; ++i)
        many += std::string(i ? "," : "") + R"({"messageId":"m","status":"read"})";
    CHECK(parse_webhook(many + "]}").error() == "more than 1000 items in one body");
}

// Issue 18 §7: Wazzup's retry policy is undocumented, so a POST refused whole may lose its
// good items for good.
TEST_CASE("A malformed item is set aside with its reason — the good ones are kept", "[wazzup]") {
    auto reasons = [](std::string_view text) {
        auto body = parse_webhook(text);
        REQUIRE(body);
        return body->rejected;
    };
    CHECK(reasons(R"({"messages":[{"channelId":"c","chatId":"1"}]})") ==
          std::vector<std::string>{"messages[0]: missing messageId"});
    CHECK(reasons(R"({"messages":[{"messageId":"","channelId":"c","chatId":"1"}]})") ==
          std::vector<std::string>{"messages[0]: messageId is not a non-empty string"});
    CHECK(reasons(R"({"statuses":["m"]})") ==
          std::vector<std::string>{"statuses[0] is not an object"});
    CHECK(reasons(R"({"messages":[{"messageId":"m","channelId":"c","chatId":"1",
                      "dateTime":"yesterday"}]})") ==
          std::vector<std::string>{"messages[0]: dateTime is not a date-time"});
    CHECK(reasons(R"({"messages":[{"messageId":"m","channelId":"c","chatId":"1",
                      "dateTime":"2101-01-01T00:00:00Z"}]})") ==
          std::vector<std::string>{"messages[0]: dateTime is not between 1970 and 2100"});
    CHECK(reasons(R"({"statuses":[{"messageId":"m","status":"read","timestamp":-5}]})") ==
          std::vector<std::string>{"statuses[0]: timestamp is not between 1970 and 2100"});

    auto mixed = parse_webhook(
        R"({"statuses":[{"messageId":"m","status":"read"},{"messageId":"m2"},
                        {"messageId":"m3","status":"delivered"}]})");
    REQUIRE(mixed);
    CHECK(mixed->rejected == std::vector<std::string>{"statuses[1]: missing status"});
    REQUIRE(mixed->statuses.size() == 2);
    CHECK(mixed->statuses[0].message_id == "m");
    CHECK(mixed->statuses[1].message_id == "m3");
}

TEST_CASE("Unknown kinds are counted, and only the first few are listed", "[wazzup]") {
    std::string text = "{";
    for (int i = 0; i < 10000; ++i)
        text += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":1";
    auto body = parse_webhook(text + "}");
    REQUIRE(body);
    CHECK(body->unknown_kind_count == 10000);
    CHECK(body->unknown_kinds.size() == kMaxListedKinds);
}

}  // namespace webhook_test
