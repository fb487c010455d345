// Webhooks as they become inbox rows (daemon/inbox_mapping.hpp), from the bodies documented in
// api/bitrix24.md §5 and api/wazzup.md §4. The engine relies on these keys exactly.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "daemon/inbox_mapping.hpp"
#include "rules/iso_time.hpp"
#include "rules/model.hpp"

namespace inbox_mapping_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;

namespace {

const std::string kToken = "q7Xk2mPzR9secretAppToken";
const std::string kAccess = "acc3ssT0kenValue";
const std::string kRefresh = "refr3shT0kenValue";

// The auth block of an outgoing webhook (§5 "Payload fields"), plus the application tokens
// an app-bound handler also gets: none of it may reach a row.
const std::string kAuthTail =
    "&ts=1466439714&auth%5Bdomain%5D=some.bitrix24.ru"
    "&auth%5Bclient_endpoint%5D=https%3A%2F%2Fsome.bitrix24.ru%2Frest%2F"
    "&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F"
    "&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553"
    "&auth%5Baccess_token%5D=" +
    kAccess + "&auth%5Brefresh_token%5D=" + kRefresh + "&auth%5Bexpires_in%5D=3600" +
    "&auth%5Bapplication_token%5D=" + kToken;

const TimePoint kReceived = *parse_iso8601("2026-03-02T09:00:00.250+03:00");

bitrix::Event parse(const std::string& body) {
    auto r = bitrix::parse_event(body);
    INFO(r.error);
    REQUIRE(r.event);
    return *r.event;
}

store::InboxEvent map_ok(const std::string& body) {
    auto mapped = inbox_event_from_bitrix(parse(body), "d1", kReceived);
    REQUIRE(mapped);
    return *mapped;
}

void check_no_secrets(const store::InboxEvent& e) {
    for (const auto& secret : {kToken, kAccess, kRefresh}) {
        CHECK(e.payload.find(secret) == std::string::npos);
        CHECK(e.dedup_key.find(secret) == std::string::npos);
        CHECK(e.entity_key.find(secret) == std::string::npos);
    }
    CHECK(e.payload.find("application_token") == std::string::npos);
    CHECK(e.payload.find("auth") == std::string::npos);
}

}  // namespace

TEST_CASE("inbox mapping: FNV-1a 64 fingerprint", "[inbox_mapping][intake]") {
    CHECK(fnv1a64_hex("") == "cbf29ce484222325");
    CHECK(fnv1a64_hex("a") == "af63dc4c8601ec8c");
    CHECK(fnv1a64_hex("foobar") == "85944171f73967e8");
    CHECK(hex16(0) == "0000000000000000");
    CHECK(hex16(0x1f) == "000000000000001f");
    CHECK(hex16(~std::uint64_t{0}) == "ffffffffffffffff");
    CHECK(hex16(9) < hex16(10));  // fixed width: text order is number order
}

TEST_CASE("inbox mapping: ONCRMLEADADD becomes a lead event", "[inbox_mapping][intake]") {
    const std::string body =
        "event=ONCRMLEADADD&event_handler_id=12&data%5BFIELDS%5D%5BID%5D=1475" + kAuthTail;
    auto e = map_ok(body);
    CHECK(e.source == "bitrix");
    CHECK(e.kind == "ONCRMLEADADD");
    CHECK(e.entity_key == "lead:1475");
    CHECK(e.dedup_key == "bitrix:d1");
    CHECK(e.received_at == kReceived);
    CHECK(e.payload == R"({"data":{"FIELDS":{"ID":"1475"}},"entity_id":"1475",)"
                       R"("name":"ONCRMLEADADD","ts":"2016-06-20T16:21:54Z"})");
    auto p = json::parse(e.payload);
    CHECK(p["name"] == "ONCRMLEADADD");
    CHECK(p["entity_id"] == "1475");
    CHECK(p["ts"] == "2016-06-20T16:21:54Z");
    CHECK(p["data"]["FIELDS"]["ID"] == "1475");
    CHECK_FALSE(p.contains("task_id"));
    CHECK_FALSE(p.contains("call"));
    CHECK_FALSE(p.contains("category_id"));
    check_no_secrets(e);

    SECTION("two deliveries of the same body are two events (two changes in one second)") {
        auto again = inbox_event_from_bitrix(parse(body), "d2", kReceived);
        REQUIRE(again);
        CHECK(again->dedup_key != e.dedup_key);
    }
    SECTION("camelCase names are upper-cased") {
        auto camel = map_ok("event=onCrmLeadAdd&data[FIELDS][ID]=1475" + kAuthTail);
        CHECK(camel.kind == "ONCRMLEADADD");
        auto update = map_ok("event=ONCRMLEADUPDATE&data[FIELDS][ID]=1475" + kAuthTail);
        CHECK(update.entity_key == "lead:1475");
        CHECK(update.kind == "ONCRMLEADUPDATE");
    }
    SECTION("without ts the payload says null") {
        auto no_ts = map_ok("event=ONCRMLEADDELETE&data[FIELDS][ID]=9");
        CHECK(no_ts.dedup_key == "bitrix:d1");
        CHECK(json::parse(no_ts.payload)["ts"].is_null());
    }
}

TEST_CASE("inbox mapping: task events use FIELDS_AFTER[ID]", "[inbox_mapping][intake]") {
    auto update = map_ok(
        "event=ONTASKUPDATE&event_handler_id=3&data%5BFIELDS_BEFORE%5D%5BID%5D=77"
        "&data%5BFIELDS_AFTER%5D%5BID%5D=77&data%5BIS_ACCESSIBLE_BEFORE%5D=Y"
        "&data%5BIS_ACCESSIBLE_AFTER%5D=Y" +
        kAuthTail);
    CHECK(update.kind == "ONTASKUPDATE");
    CHECK(update.entity_key == "task:77");
    CHECK(update.dedup_key == "bitrix:d1");
    CHECK(json::parse(update.payload)["data"]["IS_ACCESSIBLE_AFTER"] == "Y");
    check_no_secrets(update);

    auto add = map_ok(
        "event=ONTASKADD&data[FIELDS_BEFORE]=undefined&data[FIELDS_AFTER][ID]=78"
        "&data[IS_ACCESSIBLE_BEFORE]=undefined&data[IS_ACCESSIBLE_AFTER]=Y" +
        kAuthTail);
    CHECK(add.entity_key == "task:78");
    auto del = map_ok("event=ONTASKDELETE&data[FIELDS_BEFORE][ID]=79&data[FIELDS_AFTER]=undefined" +
                      kAuthTail);
    CHECK(del.entity_key == "task:79");
}

TEST_CASE("inbox mapping: a task comment is an event of its task", "[inbox_mapping][intake]") {
    // New chat task card: the comment id is 0 (§5).
    auto add = map_ok(
        "event=ONTASKCOMMENTADD&data%5BFIELDS_AFTER%5D%5BID%5D=0"
        "&data%5BFIELDS_AFTER%5D%5BTASK_ID%5D=77" +
        kAuthTail);
    CHECK(add.kind == "ONTASKCOMMENTADD");
    CHECK(add.entity_key == "task:77");
    CHECK(add.dedup_key == "bitrix:d1");
    auto p = json::parse(add.payload);
    CHECK(p["task_id"] == "77");
    CHECK(p["entity_id"] == "0");
    check_no_secrets(add);

    auto update = map_ok(
        "event=ONTASKCOMMENTUPDATE&data[FIELDS_AFTER][ID]=501&data[FIELDS_AFTER][TASK_ID]=77" +
        kAuthTail);
    CHECK(update.entity_key == "task:77");

    std::string no_task = "event=ONTASKCOMMENTADD&data[FIELDS_AFTER][ID]=501" + kAuthTail;
    CHECK_FALSE(inbox_event_from_bitrix(parse(no_task), "d1", kReceived));
}

TEST_CASE("inbox mapping: ONVOXIMPLANTCALLEND carries the call", "[inbox_mapping][intake]") {
    const std::string body =
        "event=ONVOXIMPLANTCALLEND&event_handler_id=5"
        "&data%5BCALL_ID%5D=externalCall.4e7e1b2c9a&data%5BCALL_TYPE%5D=1"
        "&data%5BPHONE_NUMBER%5D=%2B79123456789&data%5BPORTAL_NUMBER%5D=reg108"
        "&data%5BPORTAL_USER_ID%5D=5&data%5BCALL_DURATION%5D=42"
        "&data%5BCALL_START_DATE%5D=2026-03-02T10%3A15%3A00%2B03%3A00&data%5BCOST%5D=0.58"
        "&data%5BCOST_CURRENCY%5D=RUR&data%5BCALL_FAILED_CODE%5D=200"
        "&data%5BCALL_FAILED_REASON%5D=Success+call&data%5BCRM_ACTIVITY_ID%5D=900" +
        kAuthTail;
    auto e = map_ok(body);
    CHECK(e.kind == "ONVOXIMPLANTCALLEND");
    CHECK(e.entity_key == "call:externalCall.4e7e1b2c9a");
    CHECK(e.dedup_key == "bitrix:call:externalCall.4e7e1b2c9a");
    auto p = json::parse(e.payload);
    CHECK(p["entity_id"] == "externalCall.4e7e1b2c9a");
    CHECK(p["data"]["COST"] == "0.58");
    REQUIRE(p.contains("call"));
    auto call = p["call"].get<rules::Call>();
    CHECK(call.call_id == "externalCall.4e7e1b2c9a");
    CHECK(call.type == 1);
    CHECK(call.outgoing());
    CHECK(call.phone == "+79123456789");
    CHECK(call.portal_user_id == "5");
    CHECK(call.duration_seconds == 42);
    CHECK(call.start == parse_iso8601("2026-03-02T07:15:00Z"));
    CHECK(call.failed_code == "200");
    CHECK(call.answered());
    CHECK(call.crm_activity_id == "900");
    check_no_secrets(e);

    // A finished call is one fact: another body for the same call is the same row.
    std::string resent = body;
    resent.replace(resent.find("event_handler_id=5"), 18, "event_handler_id=6");
    CHECK(map_ok(resent).dedup_key == e.dedup_key);

    std::string start = "event=ONVOXIMPLANTCALLSTART&data[CALL_ID]=c2&data[USER_ID]=5" + kAuthTail;
    CHECK_FALSE(inbox_event_from_bitrix(parse(start), "d1", kReceived));
}

TEST_CASE("inbox mapping: a deal moved to another funnel", "[inbox_mapping][intake]") {
    auto e = map_ok(
        "event=ONCRMDEALMOVETOCATEGORY&data%5BFIELDS%5D%5BID%5D=42"
        "&data%5BFIELDS%5D%5BCATEGORY_ID%5D=3&data%5BFIELDS%5D%5BSTAGE_ID%5D=C3%3ANEW" +
        kAuthTail);
    CHECK(e.kind == "ONCRMDEALMOVETOCATEGORY");
    CHECK(e.entity_key == "deal:42");
    auto p = json::parse(e.payload);
    CHECK(p["category_id"] == "3");
    CHECK(p["stage_id"] == "C3:NEW");
    check_no_secrets(e);
    CHECK(map_ok("event=ONCRMDEALUPDATE&data[FIELDS][ID]=42" + kAuthTail).entity_key == "deal:42");
}

TEST_CASE("inbox mapping: activities, timeline comments, contacts, companies",
          "[inbox_mapping][intake]") {
    CHECK(map_ok("event=onCrmActivityAdd&data[FIELDS][ID]=900" + kAuthTail).entity_key ==
          "activity:900");
    auto comment = map_ok("event=onCrmTimelineCommentAdd&data%5BID%5D=901" + kAuthTail);
    CHECK(comment.kind == "ONCRMTIMELINECOMMENTADD");
    CHECK(comment.entity_key == "timeline_comment:901");
    CHECK(map_ok("event=ONCRMCONTACTUPDATE&data[FIELDS][ID]=11" + kAuthTail).entity_key ==
          "contact:11");
    CHECK(map_ok("event=ONCRMCOMPANYADD&data[FIELDS][ID]=12" + kAuthTail).entity_key ==
          "company:12");
}

TEST_CASE("inbox mapping: entities the rules do not watch give nothing",
          "[inbox_mapping][intake]") {
    for (std::string body : {"event=ONUSERADD&data[FIELDS][ID]=5" + kAuthTail,
                             "event=ONAPPINSTALL&data[VERSION]=1" + kAuthTail,
                             "event=ONSOMETHINGNEW&data[FIELDS][ID]=5" + kAuthTail}) {
        CAPTURE(body);
        CHECK_FALSE(inbox_event_from_bitrix(parse(body), "d1", kReceived));
    }
}

// ---- Wazzup ------------------------------------------------------------------------------

namespace {

wazzup::WebhookBody wazzup_body(std::string_view text) {
    auto body = wazzup::parse_webhook(text);
    INFO(body.error());
    REQUIRE(body);
    return *body;
}

rules::ChatMessage chat_message(const store::InboxEvent& e) {
    return json::parse(e.payload).get<rules::ChatMessage>();
}

}  // namespace

TEST_CASE("inbox mapping: Wazzup messages and statuses in one body", "[inbox_mapping][intake]") {
    auto body = wazzup_body(R"({
      "messages":[
        {"messageId":"57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111",
         "channelId":"e5a0c2f3-1111-4e2b-9a1d-000000000001","chatType":"whatsapp",
         "chatId":"79123456789","dateTime":"2025-05-06T14:16:00.002Z","type":"text",
         "isEcho":false,"status":"inbound","text":"Здравствуйте, когда встреча?",
         "contact":{"name":"Анна"}},
        {"messageId":"m-echo","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
         "dateTime":"2025-05-06T14:17:00.000Z","type":"text","isEcho":true,"status":"error",
         "text":"Добрый день","authorName":"Михаил",
         "error":{"error":"BAD_CONTACT","description":"no WhatsApp"}},
        {"messageId":"m-ed","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
         "type":"text","isEcho":false,"isEdited":true,"text":"исправлено"},
        {"messageId":"m-del","channelId":"c","chatType":"whatsapp","chatId":"79123456789",
         "type":"text","isEcho":false,"isDeleted":true},
        {"messageId":"m-tg","channelId":"c","chatType":"telegram",
         "chatId":"0f6e2a5c-9d1b-4a57-8c1e-telegramguid","type":"text","isEcho":false,
         "status":"inbound","text":"hi"}],
      "statuses":[
        {"messageId":"out-1","timestamp":"2025-02-05T06:01:07.499Z","status":"read"},
        {"messageId":"out-2","timestamp":"2025-02-05T06:01:08.000Z","status":"error",
         "error":{"error":"24_HOURS_EXCEEDED","description":"the 24-hour WABA dialogue is closed"}}],
      "templateStatus":{"templateGuid":"6201005a","name":"nedozvon","status":"approved"}})");
    auto events = inbox_events_from_wazzup(body, kReceived);
    REQUIRE(events.size() == 7);
    for (const auto& e : events) {
        CHECK(e.source == "wazzup");
        CHECK(e.received_at == kReceived);
    }

    const auto& in = events[0];
    CHECK(in.kind == "wazzup.message");
    CHECK(in.entity_key == "chat:79123456789");
    CHECK(in.dedup_key == "wazzup:message:57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111");
    auto m = chat_message(in);
    CHECK(m.message_id == "57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111");
    CHECK(m.channel_id == "e5a0c2f3-1111-4e2b-9a1d-000000000001");
    CHECK(m.chat_id == "79123456789");
    CHECK(m.inbound);
    CHECK(m.status == "inbound");
    CHECK(m.error_code.empty());
    // rules/model_json keeps whole seconds.
    CHECK(m.at == parse_iso8601("2025-05-06T14:16:00Z"));
    CHECK(m.text == "Здравствуйте, когда встреча?");

    auto echo = chat_message(events[1]);
    CHECK(events[1].dedup_key == "wazzup:message:m-echo");
    CHECK_FALSE(echo.inbound);
    CHECK(echo.status == "error");
    CHECK(echo.error_code == "BAD_CONTACT");

    // Edits and deletions are kept, under a kind no rule reads: they are neither the client
    // writing again nor an answer.
    CHECK(events[2].kind == "wazzup.message_changed");
    CHECK(events[2].dedup_key.starts_with("wazzup:message:m-ed:edited:"));
    CHECK_FALSE(chat_message(events[2]).inbound);
    CHECK(events[3].kind == "wazzup.message_changed");
    CHECK(events[3].dedup_key == "wazzup:message:m-del:deleted");
    CHECK_FALSE(chat_message(events[3]).inbound);
    CHECK(events[4].kind == "wazzup.message");
    CHECK(events[4].entity_key == "chat:0f6e2a5c-9d1b-4a57-8c1e-telegramguid");

    const auto& read = events[5];
    CHECK(read.kind == "wazzup.status");
    CHECK(read.entity_key == "wazzup_message:out-1");
    CHECK(read.dedup_key == "wazzup:status:out-1:read");
    auto s = chat_message(read);
    CHECK(s.message_id == "out-1");
    CHECK(s.status == "read");
    CHECK_FALSE(s.inbound);
    CHECK(s.at == parse_iso8601("2025-02-05T06:01:07Z"));
    CHECK(events[6].dedup_key == "wazzup:status:out-2:error");
    CHECK(chat_message(events[6]).error_code == "24_HOURS_EXCEEDED");
}

TEST_CASE("inbox mapping: each edit of a message is its own event", "[inbox_mapping][intake]") {
    auto edit = [](const char* text) {
        auto body = wazzup_body(std::string(R"({"messages":[{"messageId":"m-ed","channelId":"c",
            "chatType":"whatsapp","chatId":"79123456789","type":"text","isEcho":false,
            "status":"inbound","isEdited":true,"text":")") +
                                text + R"("}]})");
        auto events = inbox_events_from_wazzup(body, kReceived);
        REQUIRE(events.size() == 1);
        return events[0].dedup_key;
    };
    CHECK(edit("Хочу балкон 6 м") == edit("Хочу балкон 6 м"));  // a repeat of one webhook
    CHECK(edit("Хочу балкон 6 м") != edit("Хочу балкон 7 м"));
}

TEST_CASE("inbox mapping: Wazzup chat ids that are phones become digits",
          "[inbox_mapping][intake]") {
    CHECK(chat_key_id("whatsapp", "79123456789") == "79123456789");
    CHECK(chat_key_id("whatsapp", "89123456789") == "79123456789");
    CHECK(chat_key_id("viber", "+7 (912) 345-67-89") == "79123456789");
    CHECK(chat_key_id("telegram", "9123456789") == "9123456789");
    CHECK(chat_key_id("instagram", "some.account") == "some.account");
}

TEST_CASE("inbox mapping: Wazzup channel updates — test POSTs and templates give nothing",
          "[inbox_mapping][intake]") {
    auto body = wazzup_body(R"({"channelsUpdates":[
        {"channelId":"c1","state":"active","tier":"TIER_1K","timestamp":1738735267499},
        {"channelId":"c2","state":"qr","qr":"iVBORw0KGgo="}]})");
    auto events = inbox_events_from_wazzup(body, kReceived);
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == "wazzup.channel");
    CHECK(events[0].entity_key == "wazzup_channel:c1");
    CHECK(events[0].dedup_key ==
          "wazzup:channel:c1:active:" + std::to_string(kReceived.time_since_epoch().count()));
    auto p = json::parse(events[0].payload);
    CHECK(p["channel_id"] == "c1");
    CHECK(p["state"] == "active");
    CHECK(p["tier"] == "TIER_1K");
    CHECK(p["timestamp_ms"] == 1738735267499);
    CHECK(json::parse(events[1].payload)["timestamp_ms"].is_null());
    CHECK(events[1].payload.find("iVBORw0KGgo") == std::string::npos);

    CHECK(inbox_events_from_wazzup(wazzup_body(R"({"test": true})"), kReceived).empty());
    CHECK(
        inbox_events_from_wazzup(
            wazzup_body(R"({"templateStatus":{"templateGuid":"g","name":"n","status":"PENDING"}})"),
            kReceived)
            .empty());
    CHECK(inbox_events_from_wazzup(wazzup_body(R"({"createContact":{"name":"x"}})"), kReceived)
              .empty());
}

}  // namespace inbox_mapping_test
