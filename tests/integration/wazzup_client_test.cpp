// The Wazzup client against a small local stand-in for api.wazzup24.com/v3 (until the
// emulator's Wazzup part lands): sends, retries after a dropped connection, inactive channels,
// 429 back-off, the WABA window, webhook setup with Wazzup's test POST.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "rules/clock.hpp"
#include "wazzup/client.hpp"
#include "wazzup/iso_time.hpp"

namespace wazzup_client_test {

namespace asio = boost::asio;
using namespace reglament;
using namespace reglament::wazzup;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kKey = "c8cf90444023482f909520d454368d27";

// An HttpServer on its own thread.
struct ServerThread {
    asio::io_context io;
    net::HttpServer server;
    std::thread thread;

    explicit ServerThread(net::Handler handler) : server(io, {}, std::move(handler)) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~ServerThread() {
        asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(server.port()) + path;
    }
};

// What a Wazzup account does with our requests: keeps messages, refuses a crmMessageId seen
// before (§2.3), answers 429 when told to, and sends the test POST on PATCH /webhooks (§4.1).
struct FakeWazzup {
    struct Call {
        std::string method, path, body;
        Steady::time_point at;
    };
    std::mutex mutex;
    std::vector<Call> calls;
    std::vector<json> accepted;
    std::set<std::string> crm_ids;
    int rate_limit_next = 0;
    json channels = json::array();
    std::vector<std::thread> post_threads;  // joined before the server goes away
    ServerThread thread{[this](net::Request&& req, net::Reply reply) { handle(req, reply); }};

    ~FakeWazzup() {
        for (auto& t : post_threads)
            t.join();
    }
    std::string base() const { return thread.url("/v3"); }

    void handle(const net::Request& req, const net::Reply& reply) {
        std::lock_guard lock(mutex);
        calls.push_back({req.method, std::string(req.path()), req.body, Steady::now()});
        if (req.header("Authorization") != "Bearer " + kKey)
            return reply(net::Response::json(401, ""));
        if (rate_limit_next > 0) {
            --rate_limit_next;
            return reply(net::Response::json(429, ""));
        }
        if (req.method == "GET" && req.path() == "/v3/channels") {
            return reply(net::Response::json(200, channels.dump()));
        }
        if (req.method == "POST" && req.path() == "/v3/message") {
            auto body = json::parse(req.body);
            std::string crm = body.value("crmMessageId", "");
            if (!crm.empty() && !crm_ids.insert(crm).second) {
                return reply(net::Response::json(
                    400,
                    R"({"status":400,"error":"REPEATED_CRM_MESSAGE_ID","description":"You have already sent message with same crmMessageId","data":{"crmMessageId":")" +
                        crm + "\"}}"));
            }
            accepted.push_back(body);
            std::string id = "msg-" + std::to_string(accepted.size());
            return reply(net::Response::json(
                201, json{{"messageId", id}, {"chatId", body["chatId"]}}.dump()));
        }
        if (req.method == "PATCH" && req.path() == "/v3/webhooks") {
            std::string uri = json::parse(req.body)["webhooksUri"];
            // The test POST goes out while the PATCH waits, as Wazzup does it.
            post_threads.emplace_back([uri, reply] {
                net::BlockingHttpClient client;
                net::ClientRequest test;
                test.method = "POST";
                test.url = uri;
                test.headers = {{"Content-Type", "application/json; charset-utf-8"}};
                test.body = R"({"test":true})";
                auto r = client.request(test);
                int got = r.response ? r.response->status : 0;
                if (got == 200) return reply(net::Response::json(200, "{}"));
                reply(net::Response::json(
                    400,
                    R"({"error":"testPostNotPassed","description":"URI does not return 200 OK on test request","data":{")" +
                        std::to_string(got) + "\":\"\"}}"));
            });
            return;
        }
        reply(net::Response::json(404, ""));
    }

    std::vector<Call> message_calls() {
        std::lock_guard lock(mutex);
        std::vector<Call> out;
        for (const auto& c : calls)
            if (c.path == "/v3/message") out.push_back(c);
        return out;
    }
    std::size_t accepted_count() {
        std::lock_guard lock(mutex);
        return accepted.size();
    }
};

// A TCP front for the fake that passes the first `drops` requests on to it but closes the
// connection instead of answering: Wazzup took the message, the answer was lost.
struct DroppingFront {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
    std::string target;
    std::atomic<int> drops;
    std::atomic<bool> stop{false};
    std::thread thread;

    DroppingFront(std::string target_base, int drops_)
        : target(std::move(target_base)), drops(drops_) {
        thread = std::thread([this] { serve(); });
    }
    ~DroppingFront() {
        stop = true;
        boost::system::error_code ec;
        asio::ip::tcp::socket wake(io);
        wake.connect(acceptor.local_endpoint(), ec);
        thread.join();
    }
    std::string base() const {
        return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v3";
    }

    void serve() {
        while (!stop) {
            asio::ip::tcp::socket socket(io);
            boost::system::error_code ec;
            acceptor.accept(socket, ec);
            if (ec || stop) return;
            // One request per connection is enough for these tests.
            std::string data;
            auto head_end = asio::read_until(socket, asio::dynamic_buffer(data), "\r\n\r\n", ec);
            if (ec) continue;
            std::string head = data.substr(0, head_end);
            std::istringstream lines(head);
            std::string method, path, line;
            lines >> method >> path;
            net::Headers headers;
            std::size_t length = 0;
            std::getline(lines, line);
            while (std::getline(lines, line) && line != "\r") {
                auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string name = line.substr(0, colon);
                std::string value = line.substr(colon + 2, line.size() - colon - 3);
                std::string lower = name;
                for (auto& c : lower)
                    c = static_cast<char>(std::tolower(c));
                if (lower == "content-length") length = std::stoul(value);
                if (lower == "authorization" || lower == "content-type")
                    headers.emplace_back(name, value);
            }
            std::string body = data.substr(head_end);
            if (body.size() < length) {
                std::string rest(length - body.size(), '\0');
                asio::read(socket, asio::buffer(rest), ec);
                body += rest;
            }
            net::BlockingHttpClient forward;
            net::ClientRequest req;
            req.method = method;
            req.url = target + path;
            req.headers = headers;
            req.body = body;
            auto r = forward.request(req);
            if (drops > 0) {
                --drops;
                socket.close(ec);
                continue;
            }
            std::string out = "HTTP/1.1 " + std::to_string(r.response->status) +
                              " X\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(r.response->body.size()) +
                              "\r\nConnection: close\r\n\r\n" + r.response->body;
            asio::write(socket, asio::buffer(out), ec);
            socket.close(ec);
        }
    }
};

struct ClientSide {
    asio::io_context io;
    net::AsyncHttpClient http{io};
    ManualClock clock{*parse_iso_time("2026-11-25T10:00:00Z")};
    Client client;

    ClientSide(const std::string& base, ClientConfig config = quick_config())
        : client(io, http, clock, with_base(std::move(config), base)) {}

    static ClientConfig quick_config() {
        ClientConfig c;
        c.api_key = kKey;
        c.retry.timing.rate_limit_wait = 200ms;
        c.retry.timing.transient_wait = 50ms;
        c.attempt_timeout = 3s;
        return c;
    }
    static ClientConfig with_base(ClientConfig c, const std::string& base) {
        c.base_url = base;
        return c;
    }

    SendOutcome send(OutgoingMessage m) {
        std::optional<SendOutcome> out;
        client.send(std::move(m), [&](SendOutcome o) { out = std::move(o); });
        io.restart();
        io.run();
        REQUIRE(out);
        return *out;
    }
    void refresh() {
        std::optional<Expected<std::vector<Channel>>> out;
        client.refresh_channels([&](auto r) { out = std::move(r); });
        io.restart();
        io.run();
        REQUIRE(out);
        REQUIRE(out->has_value());
    }
};

OutgoingMessage text_message(const std::string& channel, const std::string& key) {
    OutgoingMessage m;
    m.channel_id = channel;
    m.chat_id = "79123456789";
    m.content.text = "Анна, добрый день! Не дозвонились до вас.";
    m.idempotency_key = key;
    return m;
}

}  // namespace

TEST_CASE("wazzup: a send is accepted once and its messageId kept", "[wazzup]") {
    FakeWazzup wazzup;
    ClientSide side(wazzup.base());
    auto outcome = side.send(text_message("ch-1", "outbox-1:L5:nedozvon"));
    REQUIRE(std::holds_alternative<Sent>(outcome));
    CHECK(std::get<Sent>(outcome).message_id == "msg-1");
    CHECK(std::get<Sent>(outcome).chat_id == "79123456789");
    REQUIRE(wazzup.accepted_count() == 1);
    const json& body = wazzup.accepted[0];
    CHECK(body["channelId"] == "ch-1");
    CHECK(body["chatType"] == "whatsapp");
    CHECK(body["clearUnanswered"] == false);
    CHECK(body["crmMessageId"] == "outbox-1:L5:nedozvon");
    CHECK(body["text"] == "Анна, добрый день! Не дозвонились до вас.");

    // The outbox resending the same action (after a crash) is recognised as already sent.
    CHECK(std::holds_alternative<AlreadySent>(
        side.send(text_message("ch-1", "outbox-1:L5:nedozvon"))));
    CHECK(wazzup.accepted_count() == 1);
}

TEST_CASE("wazzup: a dropped connection is retried with the same crmMessageId, one message results",
          "[wazzup]") {
    FakeWazzup wazzup;
    DroppingFront front(wazzup.thread.url(), 1);
    ClientSide side(front.base());
    auto outcome = side.send(text_message("ch-1", "outbox-2"));
    CHECK(std::holds_alternative<AlreadySent>(outcome));
    auto calls = wazzup.message_calls();
    REQUIRE(calls.size() == 2);
    CHECK(json::parse(calls[0].body)["crmMessageId"] == json::parse(calls[1].body)["crmMessageId"]);
    CHECK(wazzup.accepted_count() == 1);
}

TEST_CASE("wazzup: a send on a channel that is not active is refused without a request",
          "[wazzup]") {
    FakeWazzup wazzup;
    wazzup.channels = json::parse(R"([
        {"channelId":"ch-on","transport":"whatsapp","plainId":"79865784457","state":"active"},
        {"channelId":"ch-off","transport":"whatsapp","plainId":"79865784458","state":"phoneUnavailable"}])");
    ClientSide side(wazzup.base());
    side.refresh();
    auto outcome = side.send(text_message("ch-off", "outbox-3"));
    REQUIRE(std::holds_alternative<FinalError>(outcome));
    CHECK(std::get<FinalError>(outcome).code == "CHANNEL_NOT_ACTIVE");
    CHECK(std::get<FinalError>(outcome).http_status == 0);
    CHECK(wazzup.message_calls().empty());

    // The channel comes back by a channelsUpdates webhook.
    side.client.apply(ChannelUpdate{"ch-off", "active", "", std::nullopt});
    CHECK(std::holds_alternative<Sent>(side.send(text_message("ch-off", "outbox-3"))));
}

TEST_CASE("wazzup: 429 is retried after the back-off, the default back-off is at least 5 s",
          "[wazzup]") {
    CHECK(ClientConfig{}.retry.timing.rate_limit_wait >= 5s);
    FakeWazzup wazzup;
    wazzup.rate_limit_next = 2;
    ClientSide side(wazzup.base());
    auto outcome = side.send(text_message("ch-1", "outbox-4"));
    REQUIRE(std::holds_alternative<Sent>(outcome));
    auto calls = wazzup.message_calls();
    REQUIRE(calls.size() == 3);
    CHECK(calls[1].at - calls[0].at >= 200ms);
    CHECK(calls[2].at - calls[1].at >= 200ms);
    CHECK(wazzup.accepted_count() == 1);
}

TEST_CASE("wazzup: WABA text only inside the client's 24-hour window", "[wazzup]") {
    FakeWazzup wazzup;
    wazzup.channels = json::parse(R"([{"channelId":"waba","transport":"wapi","state":"active"}])");
    ClientSide side(wazzup.base());
    side.refresh();
    auto refused = side.send(text_message("waba", "outbox-5"));
    REQUIRE(std::holds_alternative<FinalError>(refused));
    CHECK(std::get<FinalError>(refused).code == "OUTSIDE_24H_WINDOW");

    OutgoingMessage tpl = text_message("waba", "outbox-6");
    tpl.content = RenderedMessage{"", "6201005a-9a6f-486f-bdd5-e6cb86c76ddb", {"Анна"}, false};
    CHECK(std::holds_alternative<Sent>(side.send(tpl)));

    WebhookMessage inbound;
    inbound.channel_id = "waba";
    inbound.chat_id = "79123456789";
    inbound.date_time = side.clock.now() - 1h;
    side.client.apply(inbound);
    CHECK(std::holds_alternative<Sent>(side.send(text_message("waba", "outbox-7"))));
    side.clock.advance(23h + 1min);
    CHECK(std::holds_alternative<FinalError>(side.send(text_message("waba", "outbox-8"))));
    CHECK(wazzup.accepted_count() == 2);
}

TEST_CASE("wazzup: the API key never reaches logs or errors", "[wazzup]") {
    std::ostringstream log;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::default_logger()->sinks().push_back(sink);
    FakeWazzup wazzup;
    wazzup.rate_limit_next = 1;
    ClientSide side(wazzup.base());
    auto ok = side.send(text_message("ch-1", "outbox-9"));
    ClientConfig wrong = ClientSide::quick_config();
    wrong.api_key = "wrong-" + kKey;
    ClientSide bad(wazzup.base(), wrong);
    auto rejected = bad.send(text_message("ch-1", "outbox-10"));
    spdlog::default_logger()->sinks().pop_back();
    REQUIRE(std::holds_alternative<FinalError>(rejected));
    CHECK(std::get<FinalError>(rejected).http_status == 401);
    CHECK(log.str().find("outbox-9") != std::string::npos);  // the sends were logged
    CHECK(log.str().find(kKey) == std::string::npos);
    CHECK(describe(rejected).find(kKey) == std::string::npos);
}

TEST_CASE("wazzup: webhook setup passes Wazzup's test POST or says why not", "[wazzup]") {
    std::atomic<int> test_posts{0};
    // The daemon's intake as far as the test POST goes: content type and body checked.
    ServerThread intake([&](net::Request&& req, net::Reply reply) {
        if (!check_content_type(req.header("Content-Type")))
            return reply(net::Response::text(415, ""));
        auto body = parse_webhook(req.body);
        if (!body) return reply(net::Response::text(400, body.error()));
        if (body->test) ++test_posts;
        reply(net::Response::text(req.path() == "/hooks/wazzup/s3cret" ? 200 : 404, ""));
    });
    FakeWazzup wazzup;
    ClientSide side(wazzup.base());
    auto setup = [&](const std::string& uri) {
        std::optional<Expected<Done>> out;
        side.client.set_webhooks(uri, WebhookSubscriptions{}, [&](auto r) { out = std::move(r); });
        side.io.restart();
        side.io.run();
        REQUIRE(out);
        return *out;
    };
    auto ok = setup(intake.url("/hooks/wazzup/s3cret"));
    CHECK(ok.has_value());
    CHECK(test_posts == 1);
    {
        std::lock_guard lock(wazzup.mutex);
        auto patch = json::parse(wazzup.calls.back().body);
        CHECK(patch["subscriptions"]["messagesAndStatuses"] == true);
        CHECK(patch["subscriptions"]["contactsAndDealsCreation"] == false);
    }

    auto failed = setup(intake.url("/hooks/wazzup/wrong-secret"));
    REQUIRE_FALSE(failed);
    CHECK(failed.error().find("did not get 200 OK") != std::string::npos);
    CHECK(failed.error().find("404") != std::string::npos);
    CHECK(failed.error().find("wrong-secret") == std::string::npos);

    // The whole `reglamentd wazzup setup`: key and channel first, then the webhook.
    wazzup.channels = json::parse(
        R"([{"channelId":"ch-1","transport":"whatsapp","plainId":"79865784457","state":"active"}])");
    auto full_setup = [&](std::vector<std::string> channels) {
        std::optional<Expected<Done>> out;
        side.client.setup(intake.url("/hooks/wazzup/s3cret"), std::move(channels),
                          WebhookSubscriptions{}, [&](auto r) { out = std::move(r); });
        side.io.restart();
        side.io.run();
        REQUIRE(out);
        return *out;
    };
    CHECK(full_setup({"ch-1"}).has_value());
    CHECK(test_posts == 3);
    auto missing = full_setup({"ch-1", "ch-9"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == "channel ch-9 is not in this Wazzup account (it has: ch-1)");
    CHECK(test_posts == 3);  // no PATCH after a failed check

    auto too_long = setup(intake.url("/hooks/wazzup/" + std::string(200, 'x')));
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().find("at most 200") != std::string::npos);
}

}  // namespace wazzup_client_test
