// The emulator over real HTTP: REST addressing and limits, OAuth, event delivery in the
// documented form body, Wazzup endpoints and webhooks, and HTTPS with a test CA.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "emulator/server.hpp"
#include "net/form.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace emulator_http_test {

namespace asio = boost::asio;
using nlohmann::json;
using reglament::emulator::EmulatorServer;
using reglament::emulator::ServeOptions;
using namespace reglament::net;

namespace {

struct RunningEmulator {
    asio::io_context io;
    EmulatorServer server;
    std::thread thread;
    std::uint16_t port = 0;
    std::optional<std::uint16_t> tls;

    explicit RunningEmulator(ServeOptions o) : server(io, prepare(std::move(o))) {
        server.start();
        port = server.port();
        tls = server.tls_port();
        thread = std::thread([this] { io.run(); });
    }
    static ServeOptions prepare(ServeOptions o) {
        o.port = 0;
        o.scenario_file =
            std::string(REGLAMENT_SOURCE_DIR) + "/emulator/scenarios/call-centre.json";
        return o;
    }
    ~RunningEmulator() {
        asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    std::string rest(const std::string& method) const {
        return url("/rest/1/emulatorsecret/" + method);
    }
};

// A daemon stand-in that records what reaches it.
struct Receiver {
    asio::io_context io;
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Request> got;
    HttpServer server;
    std::thread thread;

    Receiver()
        : server(io, {}, [this](Request&& r, Reply reply) {
              {
                  std::lock_guard lock(mutex);
                  got.push_back(std::move(r));
              }
              cv.notify_all();
              reply(Response::json(200, "{}"));
          }) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~Receiver() {
        asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(server.port()) + path;
    }
    // Waits (bounded) for the n-th request to arrive over the network.
    Request wait_for(std::size_t n) {
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; }));
        return got[n - 1];
    }
};

json post_json(BlockingHttpClient& c, const std::string& url, const json& body, int expect = 200) {
    auto r = c.post(url, body.dump(), "application/json");
    INFO(url << " -> " << r.body);
    REQUIRE(r.status == expect);
    return r.body.empty() ? json() : json::parse(r.body);
}

}  // namespace

TEST_CASE("emulator over HTTP: paging, start=-1, batch, wrong secret and the rate limit",
          "[emulator][http]") {
    RunningEmulator emu({});
    BlockingHttpClient c;
    post_json(c, emu.url("/_emulator/clock"),
              {{"now", "2026-01-12T09:00:00+03:00"}, {"freeze", true}});
    post_json(c, emu.url("/_emulator/leads/generate"), {{"count", 114}});
    auto p1 = post_json(c, emu.rest("crm.lead.list.json"),
                        {{"order", {{"ID", "ASC"}}}, {"select", {"ID"}}});
    CHECK(p1["total"] == 120);
    CHECK(p1["next"] == 50);
    auto p2 = post_json(c, emu.rest("crm.lead.list"), {{"order", {{"ID", "ASC"}}}, {"start", 50}});
    CHECK(p2["next"] == 100);
    auto p3 = json::parse(c.get(emu.rest("crm.lead.list?order%5BID%5D=ASC&start=100")).body);
    CHECK(p3["result"].size() == 20);
    CHECK_FALSE(p3.contains("next"));
    auto fast = post_json(c, emu.rest("crm.lead.list"),
                          {{"start", -1}, {"filter", {{">ID", 60}}}, {"order", {{"ID", "ASC"}}}});
    CHECK(fast["total"] == 0);
    CHECK(fast["result"][0]["ID"] == "61");

    auto batch = post_json(c, emu.rest("batch"),
                           {{"halt", 0},
                            {"cmd",
                             {{"first", "crm.lead.list?filter[STATUS_ID]=UC_MEETING"},
                              {"then", "crm.lead.get?id=$result[first][0][ID]"},
                              {"broken", "crm.lead.get?id=999999"}}}});
    CHECK(batch["result"]["result"]["then"]["ID"] == "4");
    CHECK(batch["result"]["result_error"]["broken"]["error_description"] == "Not found");

    auto wrong =
        c.post(emu.url("/rest/1/not-the-secret/crm.lead.get"), R"({"id":1})", "application/json");
    CHECK(wrong.status == 401);
    CHECK(json::parse(wrong.body)["error"] == "NO_AUTH_FOUND");

    // Fresh bucket: 50 pass, the 51st is refused, a second later two more pass.
    post_json(c, emu.url("/_emulator/config"), {{"rate_burst", 50}, {"rate_drain", 2}});
    post_json(c, emu.url("/_emulator/clock"), {{"advance_s", 3600}});
    int passed = 0;
    for (int i = 0; i < 50; ++i)
        passed += c.get(emu.rest("user.get")).status == 200;
    CHECK(passed == 50);
    auto refused = c.get(emu.rest("user.get"));
    CHECK(refused.status == 503);
    CHECK(json::parse(refused.body)["error"] == "QUERY_LIMIT_EXCEEDED");
    post_json(c, emu.url("/_emulator/clock"), {{"advance_s", 1}});
    CHECK(c.get(emu.rest("user.get")).status == 200);
    CHECK(c.get(emu.rest("user.get")).status == 200);
    CHECK(c.get(emu.rest("user.get")).status == 503);
    auto calls = json::parse(c.get(emu.url("/_emulator/rest-calls")).body);
    CHECK(calls["counts"]["user.get"] == 54);  // refused requests count too
}

TEST_CASE("emulator over HTTP: OAuth access tokens expire and refresh tokens rotate",
          "[emulator][http]") {
    RunningEmulator emu({});
    BlockingHttpClient c;
    post_json(c, emu.url("/_emulator/clock"),
              {{"now", "2026-01-12T09:00:00+03:00"}, {"freeze", true}});
    auto code = post_json(c, emu.url("/_emulator/oauth/code"), {{"user_id", 10}})["code"]
                    .get<std::string>();
    std::string creds = "client_id=local.emulator&client_secret=emulator-secret";
    auto pair = json::parse(
        c.get(emu.url("/oauth/token/?grant_type=authorization_code&" + creds + "&code=" + code))
            .body);
    auto access = pair["access_token"].get<std::string>();
    CHECK(c.get(emu.url("/rest/user.get?auth=" + access)).status == 200);
    post_json(c, emu.url("/_emulator/clock"), {{"advance_s", 3601}});
    auto expired = c.get(emu.url("/rest/user.get?auth=" + access));
    CHECK(expired.status == 401);
    CHECK(json::parse(expired.body)["error"] == "expired_token");
    auto next =
        json::parse(c.get(emu.url("/oauth/token/?grant_type=refresh_token&" + creds +
                                  "&refresh_token=" + pair["refresh_token"].get<std::string>()))
                        .body);
    CHECK(next["refresh_token"] != pair["refresh_token"]);
    CHECK(c.post(emu.url("/rest/user.get"), json{{"auth", next["access_token"]}}.dump(),
                 "application/json")
              .status == 200);
}

TEST_CASE("emulator over HTTP: events arrive as the documented form body", "[emulator][http]") {
    Receiver daemon;
    ServeOptions o;
    o.application_token = "app-token-1";
    o.event_handlers = {daemon.url("/bitrix/events")};
    RunningEmulator emu(o);
    BlockingHttpClient c;
    auto lead = post_json(c, emu.url("/_emulator/act/lead"),
                          {{"title", "Заявка с сайта"}, {"phone", "+79160000001"}});
    auto got = daemon.wait_for(1);
    CHECK(got.method == "POST");
    CHECK(got.path() == "/bitrix/events");
    CHECK(got.header("Content-Type") == "application/x-www-form-urlencoded");
    auto form = decode_form(got.body);
    CHECK(form["event"] == "ONCRMLEADADD");
    CHECK(form["data"]["FIELDS"]["ID"] == std::to_string(lead["id"].get<int>()));
    CHECK(form["auth"]["application_token"] == "app-token-1");
    CHECK(form["auth"]["member_id"] == "emulator-member");
    CHECK(form.contains("ts"));

    post_json(c, emu.rest("tasks.task.add"),
              {{"fields", {{"TITLE", "Перезвонить"}, {"RESPONSIBLE_ID", 10}}}});
    auto task = decode_form(daemon.wait_for(2).body);
    CHECK(task["event"] == "ONTASKADD");
    CHECK(task["data"]["FIELDS_AFTER"]["ID"] == "3");
}

TEST_CASE("emulator over HTTP: Wazzup endpoints and webhooks", "[emulator][http][wazzup]") {
    Receiver daemon;
    RunningEmulator emu({});
    BlockingHttpClient c;
    post_json(c, emu.url("/_emulator/clock"),
              {{"now", "2026-01-12T09:00:00+03:00"}, {"freeze", true}});
    Headers auth = {{"Authorization", "Bearer demo-wazzup-key"}};
    auto channels = json::parse(c.get(emu.url("/v3/channels"), auth).body);
    REQUIRE(channels.size() == 2);
    std::string channel = channels[0]["channelId"];

    ClientRequest patch;
    patch.method = "PATCH";
    patch.url = emu.url("/v3/webhooks");
    patch.headers = {{"Authorization", "Bearer demo-wazzup-key"},
                     {"Content-Type", "application/json"}};
    patch.body = json{{"webhooksUri", daemon.url("/wazzup?token=s3cret")},
                      {"subscriptions", {{"messagesAndStatuses", true}}}}
                     .dump();
    auto patched = c.request(patch);
    REQUIRE(patched.ok());
    CHECK(patched.response->status == 200);
    auto test = daemon.wait_for(1);
    CHECK(json::parse(test.body) == json{{"test", true}});
    CHECK(json::parse(c.get(emu.url("/v3/webhooks"), auth).body)["webhooksUri"] ==
          daemon.url("/wazzup?token=s3cret"));

    auto sent = c.post(emu.url("/v3/message"),
                       json{{"channelId", channel},
                            {"chatType", "whatsapp"},
                            {"chatId", "79161234501"},
                            {"text", "Здравствуйте!"},
                            {"crmMessageId", "outbox-1"}}
                           .dump(),
                       "application/json", auth);
    CHECK(sent.status == 201);
    auto id = json::parse(sent.body)["messageId"];
    auto echo = daemon.wait_for(2);
    CHECK(echo.header("Content-Type") == "application/json; charset-utf-8");
    CHECK(json::parse(echo.body)["messages"][0]["isEcho"] == true);
    auto again = c.post(emu.url("/v3/message"),
                        json{{"channelId", channel},
                             {"chatType", "whatsapp"},
                             {"chatId", "79161234501"},
                             {"text", "Здравствуйте!"},
                             {"crmMessageId", "outbox-1"}}
                            .dump(),
                        "application/json", auth);
    CHECK(json::parse(again.body)["error"] == "REPEATED_CRM_MESSAGE_ID");

    post_json(c, emu.url("/_emulator/clock"), {{"advance_s", 5}});
    auto s1 = json::parse(daemon.wait_for(3).body)["statuses"][0];
    auto s2 = json::parse(daemon.wait_for(4).body)["statuses"][0];
    CHECK(s1["messageId"] == id);
    CHECK(s1["status"] == "sent");
    CHECK(s2["status"] == "delivered");

    post_json(c, emu.url("/_emulator/act/whatsapp"),
              {{"phone", "+79161234502"}, {"text", "Когда замер?"}});
    auto in = json::parse(daemon.wait_for(5).body)["messages"][0];
    CHECK(in["isEcho"] == false);
    CHECK(in["status"] == "inbound");
    CHECK(in["text"] == "Когда замер?");
    auto templates = json::parse(c.get(emu.url("/v3/templates/whatsapp"), auth).body);
    CHECK(templates.is_array());
    CHECK(c.get(emu.url("/v3/channels"), {{"Authorization", "Bearer wrong"}}).status == 401);
}

TEST_CASE("emulator over HTTPS with a throw-away CA", "[emulator][http][tls]") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / ("reglament-emu-tls-" + std::to_string(::getpid()));
    auto script = std::string(REGLAMENT_SOURCE_DIR) + "/emulator/make-test-cert " + dir.string();
    REQUIRE(std::system(script.c_str()) == 0);
    ServeOptions o;
    o.tls_port = 0;
    o.certificate_file = (dir / "server.pem").string();
    o.private_key_file = (dir / "server.key").string();
    RunningEmulator emu(o);
    REQUIRE(emu.tls);
    ClientOptions trust;
    trust.ca_file = (dir / "ca.pem").string();
    BlockingHttpClient c(trust);
    auto r = c.get("https://127.0.0.1:" + std::to_string(*emu.tls) +
                   "/rest/1/emulatorsecret/crm.lead.get?id=1");
    CHECK(r.status == 200);
    CHECK(json::parse(r.body)["result"]["ID"] == "1");
    fs::remove_all(dir);
}

}  // namespace emulator_http_test
