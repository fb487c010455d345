#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "wazzup/message.hpp"

namespace message_test {

using namespace reglament::wazzup;
using nlohmann::json;

TEST_CASE("crmMessageId is deterministic, short and safe", "[wazzup]") {
    CHECK(crm_message_id("outbox-42:L5:nedozvon") == "outbox-42:L5:nedozvon");

    std::string long_key(300, 'k');
    long_key += "/лид 17";
    auto a = crm_message_id(long_key);
    CHECK(a == crm_message_id(long_key));
    CHECK(a.size() <= 64);
    CHECK(a.starts_with(std::string(30, 'k') + "~"));

    // Keys that differ only after the kept prefix or in unsafe characters still differ.
    CHECK(crm_message_id(std::string(100, 'a') + "1") !=
          crm_message_id(std::string(100, 'a') + "2"));
    CHECK(crm_message_id("лид 1") != crm_message_id("лид 2"));
    CHECK(crm_message_id("a b") != crm_message_id("a_b"));
    for (char c : crm_message_id("лид/17 звонок")) {
        CHECK((std::isalnum(static_cast<unsigned char>(c)) ||
               std::string("-_.:~").find(c) != std::string::npos));
    }
}

TEST_CASE("A text send body", "[wazzup]") {
    OutgoingMessage m;
    m.channel_id = "e5a0c2f3-1111-4e2b-9a1d-000000000001";
    m.chat_id = "79123456789";
    m.content.text = "Анна, добрый день!";
    m.idempotency_key = "outbox-7";
    auto body = json::parse(build_send_body(m));
    CHECK(body == json{{"channelId", "e5a0c2f3-1111-4e2b-9a1d-000000000001"},
                       {"chatType", "whatsapp"},
                       {"chatId", "79123456789"},
                       {"text", "Анна, добрый день!"},
                       {"clearUnanswered", false},
                       {"crmMessageId", "outbox-7"}});
}

TEST_CASE("A WABA template send body", "[wazzup]") {
    OutgoingMessage m;
    m.channel_id = "c1";
    m.chat_id = "79123456789";
    m.content.template_id = "6201005a-9a6f-486f-bdd5-e6cb86c76ddb";
    m.content.template_values = {"Анна", "15:30"};
    m.idempotency_key = "outbox-8";
    auto body = json::parse(build_send_body(m));
    CHECK(body["templateId"] == "6201005a-9a6f-486f-bdd5-e6cb86c76ddb");
    CHECK(body["templateValues"] == json::array({"Анна", "15:30"}));
    CHECK_FALSE(body.contains("text"));
    CHECK(body["chatType"] == "whatsapp");
    CHECK(body["crmMessageId"] == "outbox-8");
}

TEST_CASE("Nothing to send is refused — bad UTF-8 does not abort", "[wazzup]") {
    OutgoingMessage m;
    m.channel_id = "c1";
    m.chat_id = "79123456789";
    m.idempotency_key = "k";
    CHECK_THROWS_AS(build_send_body(m), std::invalid_argument);
    m.content.text = "broken \xff byte";
    auto body = json::parse(build_send_body(m));
    CHECK(body["text"].get<std::string>().starts_with("broken "));
}

}  // namespace message_test
