#include <catch2/catch.hpp>
#include <fstream>

#include "fixture.hpp"

namespace wazzup_control_test {

using namespace emu_test;

namespace {
const std::string kWa = "c0ffee00-0000-4000-8000-000000000001";
const std::string kWaba = "c0ffee00-0000-4000-8000-000000000002";

reglament::net::Response wz(Portal& p, const std::string& method, const std::string& target,
                            const json& body = nullptr,
                            const std::string& key = "demo-wazzup-key") {
    return p.http(method, target, body.is_null() ? "" : body.dump(), "application/json",
                  {{"Authorization", "Bearer " + key}});
}

void subscribe(Portal& p) {
    reglament::net::Request r;
    r.method = "PATCH";
    r.target = "/v3/webhooks";
    r.headers = {{"Authorization", "Bearer demo-wazzup-key"}};
    r.body = json{{"webhooksUri", "http://127.0.0.1:9/wazzup?token=t"},
                  {"subscriptions", {{"messagesAndStatuses", true}}}}
                 .dump();
    auto out = p.emu.handle_http(r);
    REQUIRE(out.webhook_test_url);
    REQUIRE(p.emu.finish_webhook_test(*out.webhook_test_url, 200).status == 200);
}
}  // namespace

TEST_CASE("emulator: Wazzup send, idempotency and validation", "[emulator][wazzup]") {
    Portal p;
    p.load_demo();
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    json msg = {{"channelId", kWa},
                {"chatType", "whatsapp"},
                {"chatId", "79161234501"},
                {"text", "Здравствуйте!"},
                {"crmMessageId", "m-1"}};
    auto sent = wz(p, "POST", "/v3/message", msg);
    CHECK(sent.status == 201);
    auto b = json::parse(sent.body);
    CHECK(b["chatId"] == "79161234501");
    CHECK(b["messageId"].get<std::string>().size() == 36);
    auto again = wz(p, "POST", "/v3/message", msg);
    CHECK(again.status == 400);
    CHECK(json::parse(again.body)["error"] == "REPEATED_CRM_MESSAGE_ID");
    p.emu.clock.advance(std::chrono::seconds(61));
    CHECK(wz(p, "POST", "/v3/message", msg).status == 201);

    CHECK(wz(p, "POST", "/v3/message", msg, "wrong").status == 401);
    auto bad = msg;
    bad["channelId"] = "74950000001";
    bad.erase("crmMessageId");
    CHECK(json::parse(wz(p, "POST", "/v3/message", bad).body)["error"] == "INVALID_MESSAGE_DATA");
    bad["channelId"] = "c0ffee00-0000-4000-8000-00000000dead";
    CHECK(json::parse(wz(p, "POST", "/v3/message", bad).body)["error"] == "CHANNEL_NOT_FOUND");
    bad["channelId"] = kWa;
    bad["chatType"] = "vk";
    CHECK(json::parse(wz(p, "POST", "/v3/message", bad).body)["error"] == "WRONG_TRANSPORT");

    // A personal WhatsApp channel has no templates; the WABA one sends them.
    json tpl = {
        {"channelId", kWa},           {"chatType", "whatsapp"},
        {"chatId", "79161234501"},    {"templateId", "7a3c0e2e-1b7f-4c9e-9a55-000000000001"},
        {"templateValues", {"Иван"}}, {"crmMessageId", "t-1"}};
    auto refused = wz(p, "POST", "/v3/message", tpl);
    CHECK(refused.status == 400);
    CHECK(json::parse(refused.body)["error"] == "VALIDATION_ERROR");
    CHECK(json::parse(refused.body)["data"]["fields"] == json::array({"templateId"}));
    tpl["channelId"] = kWaba;
    CHECK(wz(p, "POST", "/v3/message", tpl).status == 201);

    auto channels = json::parse(wz(p, "GET", "/v3/channels").body);
    CHECK(channels.size() == 2);
    CHECK(channels[1]["transport"] == "wapi");
    auto templates = json::parse(wz(p, "GET", "/v3/templates/whatsapp?limit=10&offset=0").body);
    CHECK(templates[0]["templateGuid"].is_string());
}

TEST_CASE("emulator: Wazzup limits requests to 500 per 5 seconds", "[emulator][wazzup]") {
    Portal p;
    p.load_demo();
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    for (int i = 0; i < 500; ++i)
        REQUIRE(wz(p, "GET", "/v3/channels").status == 200);
    CHECK(wz(p, "GET", "/v3/channels").status == 429);
    p.emu.clock.advance(std::chrono::seconds(5));
    CHECK(wz(p, "GET", "/v3/channels").status == 200);
}

TEST_CASE("emulator: Wazzup webhooks carry statuses, echoes, inbound messages and errors",
          "[emulator][wazzup]") {
    Portal p;
    p.load_demo();
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    subscribe(p);
    auto settings = json::parse(wz(p, "GET", "/v3/webhooks").body);
    CHECK(settings["webhooksUri"] == "http://127.0.0.1:9/wazzup?token=t");
    CHECK(settings["subscriptions"]["messagesAndStatuses"] == true);

    auto id = json::parse(wz(p, "POST", "/v3/message",
                             {{"channelId", kWa},
                              {"chatType", "whatsapp"},
                              {"chatId", "79161234502"},
                              {"text", "Добрый день"}})
                              .body)["messageId"];
    auto echo = p.emu.take_outbound();
    REQUIRE(echo.size() == 1);
    CHECK(echo[0].content_type == "application/json; charset-utf-8");
    CHECK(json::parse(echo[0].body)["messages"][0]["isEcho"] == true);
    p.emu.clock.advance(std::chrono::seconds(3));
    auto statuses = p.emu.take_outbound();
    REQUIRE(statuses.size() == 2);
    CHECK(json::parse(statuses[0].body)["statuses"][0]["status"] == "sent");
    CHECK(json::parse(statuses[1].body)["statuses"][0]["status"] == "delivered");
    CHECK(json::parse(statuses[1].body)["statuses"][0]["messageId"] == id);
    p.control("POST", "act/wazzup-status", {{"message_id", id}, {"status", "read"}});
    CHECK(json::parse(p.emu.take_outbound()[0].body)["statuses"][0]["status"] == "read");

    // A number not on WhatsApp is accepted, then fails in the status webhook.
    auto noWa = wz(
        p, "POST", "/v3/message",
        {{"channelId", kWa}, {"chatType", "whatsapp"}, {"chatId", "79161234505"}, {"text", "?"}});
    CHECK(noWa.status == 201);
    p.emu.clock.advance(std::chrono::seconds(3));
    auto err = json::parse(p.emu.take_outbound().back().body)["statuses"][0];
    CHECK(err["status"] == "error");
    CHECK(err["error"]["error"] == "BAD_CONTACT");

    // WABA free text outside the 24-hour window fails; after the client writes it goes.
    wz(p, "POST", "/v3/message",
       {{"channelId", kWaba},
        {"chatType", "whatsapp"},
        {"chatId", "79161234503"},
        {"text", "Вы тут?"}});
    p.emu.clock.advance(std::chrono::seconds(3));
    auto closed = p.emu.take_outbound();
    CHECK(json::parse(closed.back().body)["statuses"][0]["error"]["error"] == "24_HOURS_EXCEEDED");
    auto inbound =
        p.control("POST", "act/whatsapp",
                  {{"phone", "+7 916 123-45-03"}, {"text", "Да, слушаю"}, {"channel_id", kWaba}});
    auto in = json::parse(p.emu.take_outbound()[0].body)["messages"][0];
    CHECK(in["isEcho"] == false);
    CHECK(in["status"] == "inbound");
    CHECK(in["chatId"] == "79161234503");
    CHECK(in["text"] == "Да, слушаю");
    wz(p, "POST", "/v3/message",
       {{"channelId", kWaba},
        {"chatType", "whatsapp"},
        {"chatId", "79161234503"},
        {"text", "Отлично"}});
    p.emu.clock.advance(std::chrono::seconds(3));
    for (auto& o : p.emu.take_outbound())
        CHECK(o.body.find("24_HOURS_EXCEEDED") == std::string::npos);

    auto sent = p.control("GET", "wazzup/sent");
    CHECK(sent.size() == 4);
}

TEST_CASE("emulator: Wazzup PATCH /v3/webhooks needs a 200 to its test POST",
          "[emulator][wazzup]") {
    Portal p;
    p.load_demo();
    reglament::net::Request r;
    r.method = "PATCH";
    r.target = "/v3/webhooks";
    r.headers = {{"Authorization", "Bearer demo-wazzup-key"}};
    r.body =
        R"({"webhooksUri": "http://127.0.0.1:9/down", "subscriptions": {"messagesAndStatuses": true}})";
    auto out = p.emu.handle_http(r);
    REQUIRE(out.webhook_test_url);
    auto refused = p.emu.finish_webhook_test(*out.webhook_test_url, 500);
    CHECK(refused.status == 400);
    CHECK(json::parse(refused.body)["error"] == "testPostNotPassed");
    CHECK(json::parse(wz(p, "GET", "/v3/webhooks").body)["webhooksUri"] == "");
    r.body = R"({"webhooksUri": "ftp://nope"})";
    CHECK(json::parse(p.emu.handle_http(r).response.body)["error"] == "uriNotValid");
}

TEST_CASE("emulator: control API acts as people do and reads everything back",
          "[emulator][control]") {
    Portal p;
    p.load_demo();
    auto state = p.control("GET", "state");
    CHECK(state["leads"] == 6);
    CHECK(state["deals"] == 3);
    p.control("POST", "clock", {{"now", "2026-01-12T10:00:00+03:00"}});
    CHECK(p.control("GET", "clock")["now"] == "2026-01-12T10:00:00+03:00");
    p.control("POST", "clock", {{"advance_s", 90}});
    CHECK(p.control("GET", "clock")["now"] == "2026-01-12T10:01:30+03:00");

    auto lead =
        p.control("POST", "act/lead",
                  {{"title", "Заявка с сайта"}, {"phone", "+79160000001"}, {"assigned_by_id", 10}});
    CHECK(lead["id"] == 7);
    p.control("POST", "act/move-stage",
              {{"entity", "lead"}, {"id", 7}, {"stage", "IN_PROCESS"}, {"user_id", 10}});
    p.control("POST", "act/move-stage",
              {{"entity", "deal"}, {"id", 1}, {"stage", "C1:APRIL"}, {"category_id", 1}});
    p.control("POST", "act/postpone-task",
              {{"task_id", 1}, {"deadline", "2026-01-20T18:00:00+03:00"}, {"user_id", 10}});
    p.control("POST", "act/complete-task", {{"task_id", 2}, {"user_id", 12}});
    p.control("POST", "act/edit",
              {{"entity", "lead"}, {"id", 7}, {"fields", {{"UF_CRM_REFUSAL_REASON", "Дорого"}}}});
    auto tasks = p.control("GET", "tasks");
    CHECK(tasks[0]["deadline"] == "2026-01-20T18:00:00+03:00");
    CHECK(tasks[1]["status"] == "5");
    CHECK(p.control("GET", "comments")["tasks"].empty());  // completed without a comment
    auto history = p.control("GET", "stage-history");
    CHECK(history["leads"].back()["STATUS_ID"] == "IN_PROCESS");
    CHECK(history["deals"].back()["STAGE_ID"] == "C1:APRIL");
    CHECK(p.control("GET", "leads/7")["UF_CRM_REFUSAL_REASON"] == "Дорого");

    p.http("GET", "/rest/1/emulatorsecret/crm.lead.get?id=7");
    p.http("GET", "/rest/1/emulatorsecret/crm.lead.get?id=1");
    auto calls = p.control("GET", "rest-calls");
    CHECK(calls["counts"]["crm.lead.get"] == 2);
    CHECK(calls["recent"][0]["method"] == "crm.lead.get");

    p.control("POST", "config", {{"rate_burst", 250}, {"rate_drain", 5}});
    CHECK(p.emu.bucket.burst() == 250);
    auto bad = p.http("POST", "/_emulator/act/levitate", "{}");
    CHECK(bad.status == 400);
}

TEST_CASE("emulator: a million leads fit and a lookup stays fast", "[emulator][.big]") {
    Portal p;
    p.emu.generate_leads(1000000, p.emu.clock.now());
    auto r = p.ok("crm.lead.list",
                  {{"start", -1}, {"filter", {{">ID", 999900}}}, {"order", {{"ID", "ASC"}}}});
    CHECK(r["result"][0]["ID"] == "999901");
    CHECK(p.ok("crm.lead.get", {{"id", 500000}})["result"]["ID"] == "500000");
}

}  // namespace wazzup_control_test
