#include <catch2/catch.hpp>
#include <fstream>

#include "fixture.hpp"

namespace batch_limits_test {

using namespace emu_test;

TEST_CASE("emulator: batch runs in order, resolves references and reports failures", "[emulator]") {
    Portal p;
    p.load_demo();
    json cmd = {{"a_first", "crm.lead.list?filter[STATUS_ID]=UC_MEETING&select[]=ID"},
                {"b_get", "crm.lead.get?id=$result[a_first][0][ID]"},
                {"c_bad", "crm.lead.get?id=999"},
                {"d_unknown", "no.such.method"}};
    auto r = p.ok("batch", {{"halt", 0}, {"cmd", cmd}});
    CHECK(r["result"]["result"]["b_get"]["TITLE"] == "Заявка с сайта: москитные сетки");
    CHECK(r["result"]["result_total"]["a_first"] == 1);
    CHECK(r["result"]["result_error"]["c_bad"]["error_description"] == "Not found");
    CHECK(r["result"]["result_error"]["d_unknown"]["error"] == "ERROR_METHOD_NOT_FOUND");
    CHECK(r["result"]["result_time"]["b_get"].contains("operating"));

    auto halted =
        p.ok("batch",
             {{"halt", 1}, {"cmd", {{"a", "crm.lead.get?id=999"}, {"b", "crm.lead.get?id=1"}}}});
    CHECK(halted["result"]["result"] == json::array());  // PHP's empty map
    CHECK(halted["result"]["result_error"].contains("a"));

    // The order as sent decides, not the keys' alphabet.
    std::vector<std::string> order = {"z", "a"};
    auto ordered = p.emu.handle_rest(
        "batch",
        {{"cmd", {{"z", "crm.lead.add?fields[TITLE]=X"}, {"a", "crm.lead.get?id=$result[z]"}}}},
        p.caller, p.emu.clock.now(), &order);
    CHECK(ordered.body["result"]["result"]["a"]["TITLE"] == "X");

    json many = json::object();
    for (int i = 0; i < 51; ++i)
        many["c" + std::to_string(i)] = "crm.lead.get?id=1";
    auto too_many = p.call("batch", {{"cmd", many}});
    CHECK(too_many.status == 400);
    CHECK(too_many.body["error"] == "ERROR_BATCH_LENGTH_EXCEEDED");
    auto nested = p.ok("batch", {{"cmd", {{"x", "batch?cmd[a]=crm.lead.get"}}}});
    CHECK(nested["result"]["result_error"]["x"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED");
}

TEST_CASE("emulator: leaky bucket refuses the 51st request and drains 2 per second", "[emulator]") {
    Portal p;
    p.emu.bucket.configure(50, 2);
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    for (int i = 0; i < 50; ++i)
        REQUIRE(p.call("user.get").status == 200);
    auto refused = p.call("crm.lead.list");
    CHECK(refused.status == 503);
    CHECK(refused.body["error"] == "QUERY_LIMIT_EXCEEDED");
    CHECK(refused.body["error_description"] == "Too many requests");
    p.emu.clock.advance(std::chrono::seconds(1));
    CHECK(p.call("user.get").status == 200);
    CHECK(p.call("user.get").status == 200);
    CHECK(p.call("user.get").status == 503);
    // A batch is one request.
    p.emu.clock.advance(std::chrono::seconds(1));
    json cmd = json::object();
    for (int i = 0; i < 10; ++i)
        cmd["c" + std::to_string(i)] = "user.get";
    CHECK(p.call("batch", {{"cmd", cmd}}).status == 200);
    CHECK(p.call("user.get").status == 200);
    CHECK(p.call("user.get").status == 503);
}

TEST_CASE("emulator: operating time is charged by work and blocks one method at its limit",
          "[emulator]") {
    Portal p;
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    p.emu.generate_leads(20000, p.emu.clock.now());
    p.emu.operating.set_limit(1.0);
    auto r1 = p.ok("crm.lead.list");  // counts 20000 rows: 0.4 s
    double op1 = r1["time"]["operating"];
    CHECK(op1 == Approx(0.402).epsilon(0.01));
    p.ok("crm.lead.list");
    p.ok("crm.lead.list");  // crosses the limit but completes
    auto blocked = p.call("crm.lead.list");
    CHECK(blocked.status == 429);
    CHECK(blocked.body["error"] == "OPERATION_TIME_LIMIT");
    CHECK(p.call("crm.lead.get", {{"id", 1}}).status == 200);  // other methods keep working
    CHECK(p.call("crm.lead.list", {{"start", -1}}).status == 429);
    p.emu.clock.advance(std::chrono::minutes(11));
    CHECK(p.call("crm.lead.list", {{"start", -1}}).status == 200);
}

TEST_CASE("emulator: webhook addressing, wrong secret and unknown methods", "[emulator]") {
    Portal p;
    p.load_demo();
    auto ok = p.http("POST", "/rest/1/emulatorsecret/crm.lead.get.json", R"({"id": 1})");
    CHECK(ok.status == 200);
    CHECK(json::parse(ok.body)["result"]["ID"] == "1");
    auto form = p.http("POST", "/rest/1/emulatorsecret/crm.lead.list",
                       "filter%5BID%5D=2&select%5B%5D=TITLE", "application/x-www-form-urlencoded");
    CHECK(json::parse(form.body)["result"][0]["TITLE"] == "Звонок: балкон под ключ");
    auto query = p.http("GET", "/rest/1/emulatorsecret/crm.lead.get?id=3");
    CHECK(json::parse(query.body)["result"]["ID"] == "3");
    auto wrong = p.http("POST", "/rest/1/wrong/crm.lead.get", R"({"id": 1})");
    CHECK(wrong.status == 401);
    CHECK(json::parse(wrong.body)["error"] == "NO_AUTH_FOUND");
    CHECK(wrong.body.find("wrong") == std::string::npos);  // the secret is not echoed
    auto unknown = p.http("POST", "/rest/1/emulatorsecret/crm.nothing.here", "{}");
    CHECK(json::parse(unknown.body)["error"] == "ERROR_METHOD_NOT_FOUND");
}

TEST_CASE("emulator: OAuth tokens expire and refresh tokens rotate", "[emulator]") {
    Portal p;
    p.load_demo();
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    auto code = p.control("POST", "oauth/code", {{"user_id", 10}})["code"].get<std::string>();
    auto tok = p.http("GET",
                      "/oauth/token/?grant_type=authorization_code&client_id=local.emulator"
                      "&client_secret=emulator-secret&code=" +
                          code);
    REQUIRE(tok.status == 200);
    auto pair = json::parse(tok.body);
    CHECK(pair["expires_in"] == 3600);
    std::string access = pair["access_token"], refresh = pair["refresh_token"];
    auto call = p.http("GET", "/rest/user.get?auth=" + access);
    CHECK(call.status == 200);
    p.emu.clock.advance(std::chrono::seconds(3601));
    auto expired = p.http("POST", "/rest/user.get", json{{"auth", access}}.dump());
    CHECK(expired.status == 401);
    CHECK(json::parse(expired.body)["error"] == "expired_token");
    auto renewed = p.http("GET",
                          "/oauth/token/?grant_type=refresh_token&client_id=local.emulator"
                          "&client_secret=emulator-secret&refresh_token=" +
                              refresh);
    REQUIRE(renewed.status == 200);
    auto next = json::parse(renewed.body);
    CHECK(next["refresh_token"] != refresh);
    CHECK(p.http("GET", "/rest/user.get?auth=" + next["access_token"].get<std::string>()).status ==
          200);
    auto reused = p.http("GET",
                         "/oauth/token/?grant_type=refresh_token&client_id=local.emulator"
                         "&client_secret=emulator-secret&refresh_token=" +
                             refresh);
    CHECK(reused.status == 400);
    CHECK(json::parse(reused.body)["error"] == "invalid_grant");
    auto bad = p.http("GET", "/rest/user.get?auth=nonsense");
    CHECK(json::parse(bad.body)["error"] == "NO_AUTH_FOUND");
}

TEST_CASE("emulator: injected faults per method", "[emulator]") {
    Portal p;
    p.load_demo();
    const std::string url = "/rest/1/emulatorsecret/crm.lead.get?id=1";
    p.control("POST", "faults", {{"method", "crm.lead.get"}, {"kind", "500"}, {"count", 1}});
    CHECK(p.http("GET", url).status == 500);
    CHECK(p.http("GET", url).status == 200);  // count used up
    p.control("POST", "faults", {{"method", "crm.lead.get"}, {"kind", "html"}, {"count", 1}});
    auto html = p.http("GET", url);
    CHECK(html.header("Content-Type").find("text/html") == 0);
    CHECK_THROWS(json::parse(html.body));
    p.control("POST", "faults",
              {{"method", "*"}, {"kind", "redirect"}, {"location", "https://new.bitrix24.ru"}});
    auto moved = p.http("POST", url, "{}");
    CHECK(moved.status == 302);
    CHECK(moved.header("Location") == "https://new.bitrix24.ru" + url);
    p.control("DELETE", "faults");
    p.control("POST", "faults", {{"method", "crm.lead.get"}, {"kind", "drop"}});
    reglament::net::Request r;
    r.method = "GET";
    r.target = url;
    CHECK(p.emu.handle_http(r).drop);
    p.control("POST", "faults", {{"method", "crm.lead.get"}, {"kind", "slow"}, {"delay_ms", 1500}});
    auto slow = p.emu.handle_http(r);
    CHECK(slow.delay == std::chrono::milliseconds(1500));
    CHECK(slow.response.status == 200);
}

}  // namespace batch_limits_test
