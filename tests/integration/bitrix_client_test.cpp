// The Bitrix24 client over real HTTP against a small local portal (tests/unit/bitrix/
// fake_portal.hpp behind net::HttpServer) until the emulator lands: paging, batching, limit
// and 5xx recovery, HTML bodies, dropped connections, OAuth expiry, a renamed portal.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "bitrix/client.hpp"
#include "net/http_server.hpp"
#include "rules/clock.hpp"
#include "tests/unit/bitrix/fake_portal.hpp"

namespace bitrix_client_test {

namespace asio = boost::asio;
using namespace reglament;
using namespace reglament::bitrix;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr auto patience = 20s;

// Returns a response to send instead of the portal's, or nullopt to let the portal answer.
using Injector = std::function<std::optional<net::Response>(const net::Request&, int n)>;

struct PortalServer {
    asio::io_context io;
    std::mutex mutex;
    testing::FakePortal portal;
    Injector inject;
    int requests = 0;
    int refreshes = 0;
    std::string access_token = "valid-only-after-refresh";  // "old" has expired
    std::string refresh_token = "r1";
    std::string persisted_when_new_token_first_used;
    std::function<std::string()> persisted;  // what the client has stored so far
    std::vector<net::Reply> held;            // replies withheld to cause timeouts
    std::string scheme;
    // The portal's leaky bucket (bitrix24.md §2) when burst > 0.
    double bucket_burst = 0;
    double bucket_drain = 0;
    double bucket_level = 0;
    std::chrono::steady_clock::time_point bucket_last{};
    int limit_answers = 0;
    net::HttpServer server;
    std::thread thread;

    explicit PortalServer(int leads, net::ServerOptions server_options = {})
        : portal(leads),
          scheme(server_options.tls_certificate_file ? "https" : "http"),
          server(io, std::move(server_options), [this](net::Request&& r, net::Reply reply) {
              handle(std::move(r), std::move(reply));
          }) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~PortalServer() {
        asio::post(io, [this] {
            for (auto& r : held)
                r(net::Response::json(200, R"({"result":null})"));
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string origin() const { return scheme + "://127.0.0.1:" + std::to_string(server.port()); }
    std::string webhook() const { return origin() + "/rest/1/s3cretcode/"; }

    void handle(net::Request&& req, net::Reply reply) {
        std::lock_guard lock(mutex);
        std::string path(req.path());
        if (path == "/oauth/token/") {
            ++refreshes;
            auto q = net::decode_form(req.query());
            if (q.value("refresh_token", "") != refresh_token) {
                reply(net::Response::json(
                    400,
                    R"({"error":"invalid_grant","error_description":"Invalid refresh token"})"));
                return;
            }
            access_token = "new" + std::to_string(refreshes);
            refresh_token = "r" + std::to_string(refreshes + 1);
            reply(net::Response::json(200, json{{"access_token", access_token},
                                                {"refresh_token", refresh_token},
                                                {"expires_in", 3600}}
                                               .dump()));
            return;
        }
        int n = ++requests;
        if (bucket_burst > 0) {
            auto now = std::chrono::steady_clock::now();
            double drained =
                std::chrono::duration<double>(now - bucket_last).count() * bucket_drain;
            bucket_level = std::max(0.0, bucket_level - drained);
            bucket_last = now;
            if (bucket_level >= bucket_burst) {
                ++limit_answers;
                reply(net::Response::json(
                    503,
                    R"({"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"})"));
                return;
            }
            bucket_level += 1;
        }
        if (inject)
            if (auto r = inject(req, n)) {
                if (r->status == 0) {  // hold: never answer in time
                    held.push_back(std::move(reply));
                    return;
                }
                reply(std::move(*r));
                return;
            }
        std::string method;
        json body = json::parse(req.body, nullptr, false);
        if (path.rfind("/rest/1/s3cretcode/", 0) == 0) {
            method = path.substr(std::string("/rest/1/s3cretcode/").size());
        } else if (path.rfind("/rest/", 0) == 0) {
            method = path.substr(6);
            std::string auth = body.is_object() ? body.value("auth", "") : "";
            if (auth != access_token) {
                reply(net::Response::json(
                    401,
                    R"({"error":"expired_token","error_description":"The access token provided has expired."})"));
                return;
            }
            if (persisted_when_new_token_first_used.empty() && persisted)
                persisted_when_new_token_first_used = persisted();
            body.erase("auth");
        } else {
            reply(net::Response::json(404, R"({"error":"NOT_FOUND"})"));
            return;
        }
        reply(net::Response::json(200, portal.answer(method, body)));
    }
};

// The client's own io_context on its own thread.
struct Runner {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~Runner() {
        asio::post(io, [this] { io.stop(); });
        thread.join();
    }
};

ClientOptions fast_options() {
    ClientOptions o;
    o.bucket.burst = 50;
    o.bucket.drain_per_second = 50;  // keep limit waits short in tests
    o.retry.base_backoff = 10ms;
    o.http.request_timeout = 2s;
    o.http.connect_timeout = 1s;
    return o;
}

// Everything the client logs while it lives, to check that no secret gets there.
struct LogCapture {
    std::ostringstream text;
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    LogCapture() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous); }
    std::string str() {
        spdlog::default_logger()->flush();
        return text.str();
    }
};

template <class T>
T get(std::future<T>& f) {
    REQUIRE(f.wait_for(patience) == std::future_status::ready);
    return f.get();
}

std::optional<Error> list_leads(Client& client, const std::string& method,
                                std::vector<std::string>& ids) {
    std::promise<std::optional<Error>> done;
    auto f = done.get_future();
    std::mutex m;
    client.list_all(
        {method, {}, {"TITLE"}},
        [&](const json& items) {
            std::lock_guard lock(m);
            for (const auto& i : items)
                ids.push_back(i["ID"].get<std::string>());
        },
        [&](std::optional<Error> e) { done.set_value(std::move(e)); });
    return get(f);
}

}  // namespace

TEST_CASE("bitrix client: streams 5,030 leads in three HTTP requests", "[bitrix][integration]") {
    PortalServer portal(5030);
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    Client client(runner.io, options, clock);
    std::vector<std::string> ids;
    auto error = list_leads(client, "crm.lead.list", ids);
    REQUIRE_FALSE(error);
    REQUIRE(ids.size() == 5030);
    CHECK(ids.front() == "1");
    CHECK(ids.back() == "5030");
    CHECK(std::adjacent_find(ids.begin(), ids.end(), [](auto& a, auto& b) {
              return std::stoi(a) >= std::stoi(b);
          }) == ids.end());
    CHECK(portal.requests == 3);
    CHECK(client.stats().limit_errors == 0);
    CHECK(client.base_url_redacted().find("s3cretcode") == std::string::npos);
}

TEST_CASE("bitrix client: concurrent single calls share batches and get their own answers",
          "[bitrix][integration]") {
    PortalServer portal(500);
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.coalesce_window = 20ms;
    options.max_in_flight = 1;
    Client client(runner.io, options, clock);
    std::vector<std::future<Result>> calls;
    for (int i = 1; i <= 120; ++i)
        calls.push_back(client.call("crm.lead.get", {{"id", i}}));
    auto missing = client.call("crm.lead.get", {{"id", 99999}});
    for (int i = 1; i <= 120; ++i) {
        auto r = get(calls[static_cast<std::size_t>(i - 1)]);
        REQUIRE(r.ok());
        CHECK(r.result["ID"] == std::to_string(i));
    }
    auto nf = get(missing);
    REQUIRE(nf.error);
    CHECK(nf.error->code == "NOT_FOUND");
    auto stats = client.stats();
    CHECK(stats.commands == 121);
    CHECK(stats.http_requests <= 4);  // 121 calls in batches of at most 50
    CHECK(portal.requests == static_cast<int>(stats.http_requests));
}

TEST_CASE("bitrix client: QUERY_LIMIT_EXCEEDED and 503s are recovered from",
          "[bitrix][integration]") {
    PortalServer portal(200);
    portal.inject = [](const net::Request&, int n) -> std::optional<net::Response> {
        if (n <= 2)
            return net::Response::json(
                503, R"({"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"})");
        if (n == 3) return net::Response::json(503, R"({"error":"INTERNAL_SERVER_ERROR"})");
        return std::nullopt;
    };
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    Client client(runner.io, options, clock);
    std::vector<std::string> ids;
    REQUIRE_FALSE(list_leads(client, "crm.lead.list", ids));
    CHECK(ids.size() == 200);
    auto stats = client.stats();
    CHECK(stats.limit_errors == 2);
    CHECK(stats.retries >= 3);
}

TEST_CASE("bitrix client: HTML bodies retry reads, creates get OUTCOME_UNKNOWN",
          "[bitrix][integration]") {
    PortalServer portal(10);
    portal.inject = [](const net::Request& req, int) -> std::optional<net::Response> {
        static int html_reads = 0;
        bool add = std::string(req.path()).find("crm.lead.add") != std::string::npos;
        if (add || html_reads++ < 2) {
            net::Response r;
            r.status = 502;
            r.headers.emplace_back("Content-Type", "text/html");
            r.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
            return r;
        }
        return std::nullopt;
    };
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.batch_limit = 1;
    Client client(runner.io, options, clock);
    auto read = client.call("crm.lead.get", {{"id", 3}});
    auto r = get(read);
    REQUIRE(r.ok());
    CHECK(r.result["ID"] == "3");
    auto add = client.call("crm.lead.add", {{"fields", {{"TITLE", "x"}}}}, Idempotency::idempotent);
    auto a = get(add);
    REQUIRE(a.error);
    CHECK(a.error->code == std::string(codes::outcome_unknown));
    CHECK(a.error->description.find("crm.lead.add") != std::string::npos);
    CHECK(portal.requests == 4);  // 3 reads, 1 add never repeated
}

TEST_CASE("bitrix client: timeouts and dropped connections", "[bitrix][integration]") {
    SECTION("a withheld answer times out, the read is retried") {
        PortalServer portal(10);
        portal.inject = [](const net::Request&, int n) -> std::optional<net::Response> {
            if (n == 1) {
                net::Response hold;
                hold.status = 0;
                return hold;
            }
            return std::nullopt;
        };
        SystemClock clock;
        Runner runner;
        auto options = fast_options();
        options.webhook_url = portal.webhook();
        options.http.request_timeout = 300ms;
        Client client(runner.io, options, clock);
        auto f = client.call("crm.lead.get", {{"id", 2}});
        auto r = get(f);
        REQUIRE(r.ok());
        CHECK(r.result["ID"] == "2");
    }
    SECTION("a server that drops every connection") {
        asio::io_context io;
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        std::atomic<int> accepted{0};
        std::atomic<bool> stop{false};
        std::thread dropper([&] {
            while (!stop) {
                asio::ip::tcp::socket s(io);
                boost::system::error_code ec;
                acceptor.accept(s, ec);
                if (ec || stop) break;
                ++accepted;
                char buf[512];
                s.read_some(asio::buffer(buf), ec);  // the request arrives, then the line drops
                s.close();
            }
        });
        std::string base = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) +
                           "/rest/1/s3cretcode/";
        {
            SystemClock clock;
            Runner runner;
            auto options = fast_options();
            options.webhook_url = base;
            options.batch_limit = 1;
            Client client(runner.io, options, clock);
            auto read = client.call("crm.lead.get", {{"id", 1}});
            auto r = get(read);
            REQUIRE(r.error);
            CHECK(r.error->code == std::string(codes::transport));
            CHECK(r.error->description.find("s3cretcode") == std::string::npos);
            CHECK(accepted == 1 + options.retry.max_transient_retries);
            int before = accepted;
            auto add = client.call("crm.lead.add", {{"fields", {{"TITLE", "x"}}}});
            auto a = get(add);
            REQUIRE(a.error);
            CHECK(a.error->code == std::string(codes::outcome_unknown));
            CHECK(accepted == before + 1);
        }
        stop = true;
        asio::ip::tcp::socket poke(io);
        poke.connect(acceptor.local_endpoint());
        dropper.join();
    }
}

TEST_CASE("bitrix client: no fault puts the webhook's code or a token in a log line or error",
          "[bitrix][integration][secrets]") {
    LogCapture logs;
    PortalServer portal(10);
    // Bodies that quote the request back, as proxies and error pages do.
    const std::string echo = portal.webhook() + "crm.lead.get?auth=tok3n&access_token=tok3n";
    portal.inject = [echo](const net::Request&, int n) -> std::optional<net::Response> {
        switch (n) {
            case 1:
                return net::Response::json(
                    400, json{{"error", "INVALID_REQUEST"}, {"error_description", echo}}.dump());
            case 2:
                return net::Response::json(500, json{{"error", "INTERNAL_SERVER_ERROR"},
                                                     {"error_description", "failed: " + echo},
                                                     {"auth", "tok3n"}}
                                                    .dump());
            case 3: {
                auto r = net::Response::text(502, "<html><body>" + echo + "</body></html>");
                r.headers = {{"Content-Type", "text/html"}};
                return r;
            }
            case 4: {
                net::Response hold;  // never answered: a timeout
                hold.status = 0;
                return hold;
            }
            default:
                return std::nullopt;
        }
    };
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.batch_limit = 1;
    options.max_in_flight = 1;
    options.http.request_timeout = 300ms;
    Client client(runner.io, options, clock);
    std::string errors;
    auto refused = client.call("crm.lead.get", {{"id", 1}});  // 400: not retried
    auto r = get(refused);
    REQUIRE(r.error);
    errors += r.error->to_string() + "\n";
    auto retried = client.call("crm.lead.get", {{"id", 2}});  // 500, 502, timeout, then 200
    auto ok = get(retried);
    INFO((ok.error ? ok.error->to_string() : std::string()));
    CHECK(ok.ok());
    CHECK(portal.requests == 5);
    auto logged = logs.str() + errors;
    INFO(logged);
    CHECK(logged.find("s3cretcode") == std::string::npos);
    CHECK(logged.find("tok3n") == std::string::npos);
}

TEST_CASE("bitrix client: 20 concurrent 401s share one refresh, persisted before use",
          "[bitrix][integration]") {
    LogCapture logs;
    PortalServer portal(50);
    SystemClock clock;
    Runner runner;
    std::mutex stored_mutex;
    std::string stored = "r1";
    int persist_calls = 0;
    portal.persisted = [&] {
        std::lock_guard lock(stored_mutex);
        return stored;
    };
    auto options = fast_options();
    options.client_endpoint = portal.origin() + "/rest/";
    options.oauth_token_url = portal.origin() + "/oauth/token/";
    options.client_id = "app";
    options.client_secret = "topsecret";
    options.access_token = "old";
    options.refresh_token = "r1";
    options.batch_limit = 1;
    options.max_in_flight = 20;
    options.persist_tokens = [&](const OAuthTokens& t) {
        std::lock_guard lock(stored_mutex);
        stored = t.refresh_token;
        ++persist_calls;
    };
    Client client(runner.io, options, clock);
    std::vector<std::future<Result>> calls;
    for (int i = 1; i <= 20; ++i)
        calls.push_back(client.call("crm.lead.get", {{"id", i}}));
    for (int i = 1; i <= 20; ++i) {
        auto r = get(calls[static_cast<std::size_t>(i - 1)]);
        INFO((r.error ? r.error->to_string() : std::string()));
        REQUIRE(r.ok());
        CHECK(r.result["ID"] == std::to_string(i));
    }
    CHECK(portal.refreshes == 1);
    CHECK(persist_calls == 1);
    CHECK(client.stats().refreshes == 1);
    CHECK(portal.persisted_when_new_token_first_used == "r2");
    CHECK(client.stats().http_requests > 20);  // the 401s really were separate requests
    auto logged = logs.str();
    CHECK(logged.find("refreshing the OAuth access token") != std::string::npos);
    for (auto secret : {"topsecret", "=r1", "=r2", "new1"})
        CHECK(logged.find(secret) == std::string::npos);
}

TEST_CASE("bitrix client: a rejected refresh token is a fatal re-authorise error",
          "[bitrix][integration]") {
    PortalServer portal(5);
    portal.refresh_token = "something-else";
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.client_endpoint = portal.origin() + "/rest/";
    options.oauth_token_url = portal.origin() + "/oauth/token/";
    options.access_token = "old";
    options.refresh_token = "r1";
    Client client(runner.io, options, clock);
    auto f = client.call("crm.lead.get", {{"id", 1}});
    auto r = get(f);
    REQUIRE(r.error);
    CHECK(r.error->code == std::string(codes::reauthorise));
    CHECK(r.error->description.find("re-authorise") != std::string::npos);
    auto later = client.call("crm.lead.get", {{"id", 2}});
    CHECK(get(later).error->code == std::string(codes::reauthorise));
    CHECK(portal.refreshes == 1);
}

TEST_CASE("bitrix client: a renamed portal's 302 is followed by re-POSTing",
          "[bitrix][integration]") {
    LogCapture logs;
    PortalServer renamed(20);
    PortalServer old_address(0);
    std::string target = renamed.origin();
    old_address.inject = [target](const net::Request& req, int) -> std::optional<net::Response> {
        net::Response r;
        r.status = 302;
        r.headers.emplace_back("Location", target + std::string(req.target));
        return r;
    };
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = old_address.webhook();
    options.batch_limit = 1;
    std::atomic<int> moves{0};
    options.on_portal_moved = [&](const std::string& url) {
        ++moves;
        CHECK(url.find(target) == 0);
    };
    Client client(runner.io, options, clock);
    auto first = client.call("crm.lead.get", {{"id", 7}});
    auto r = get(first);
    REQUIRE(r.ok());
    CHECK(r.result["ID"] == "7");
    auto second = client.call("crm.lead.get", {{"id", 8}});
    REQUIRE(get(second).ok());
    CHECK(old_address.requests == 1);
    CHECK(renamed.requests == 2);
    CHECK(moves == 1);
    CHECK(client.stats().redirects == 1);
    CHECK(client.base_url_redacted() == target + "/rest/1/***/");
    auto logged = logs.str();
    CHECK(logged.find("portal moved") != std::string::npos);
    CHECK(logged.find("s3cretcode") == std::string::npos);
}

TEST_CASE("bitrix client: mixed load under the portal's bucket draws no 503",
          "[bitrix][integration]") {
    PortalServer portal(3000);
    portal.bucket_burst = 10;
    portal.bucket_drain = 20;
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.bucket.burst = 10;
    options.bucket.drain_per_second = 20;
    Client client(runner.io, options, clock);
    std::vector<std::future<Result>> calls;
    for (int i = 1; i <= 2000; ++i) {
        if (i % 4 == 0) {
            calls.push_back(client.call(
                "crm.lead.update", {{"id", i}, {"fields", {{"TITLE", "t" + std::to_string(i)}}}},
                Idempotency::idempotent));
        } else {
            calls.push_back(client.call("crm.lead.get", {{"id", i}}));
        }
    }
    std::vector<std::string> ids;
    REQUIRE_FALSE(list_leads(client, "crm.lead.list", ids));
    CHECK(ids.size() == 3000);
    for (auto& f : calls)
        REQUIRE(get(f).ok());
    auto stats = client.stats();
    CHECK(portal.limit_answers == 0);
    CHECK(stats.limit_errors == 0);
    CHECK(stats.commands >= 2000);
    // 2000 calls need at least 40 batches; the list needs 3 requests.
    CHECK(stats.http_requests <= 50);
}

TEST_CASE("bitrix client: OPERATION_TIME_LIMIT blocks only that method until the reset",
          "[bitrix][integration]") {
    PortalServer portal(10);
    std::vector<std::string> seen;
    portal.inject = [&seen](const net::Request& req, int) -> std::optional<net::Response> {
        std::string path(req.path());
        seen.push_back(path.substr(path.rfind('/') + 1));
        if (seen.size() == 1)
            return net::Response::json(
                429,
                R"({"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."})");
        return std::nullopt;
    };
    ManualClock clock(TimePoint(std::chrono::seconds(1'700'000'000)));
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.batch_limit = 1;
    options.operating.unknown_reset_wait = 300ms;  // no reset time known: the next basket
    Client client(runner.io, options, clock);
    auto blocked = client.call("crm.lead.get", {{"id", 1}});
    auto started = std::chrono::steady_clock::now();
    auto r = get(blocked);
    auto waited = std::chrono::steady_clock::now() - started;
    REQUIRE(r.ok());
    CHECK(waited >= 250ms);
    CHECK(client.stats().limit_errors == 0);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == "crm.lead.get");
    CHECK(seen[1] == "crm.lead.get");
}

TEST_CASE("bitrix client: HTTPS with a test CA — plain HTTP only for loopback",
          "[bitrix][integration]") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / ("reglament-bitrix-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto script = std::string(REGLAMENT_SOURCE_DIR) + "/scripts/make-test-cert " + dir.string();
    REQUIRE(std::system((script + " >/dev/null 2>&1").c_str()) == 0);
    net::ServerOptions tls;
    tls.tls_certificate_file = (dir / "server.pem").string();
    tls.tls_private_key_file = (dir / "server.key").string();
    {
        PortalServer portal(120, tls);
        SystemClock clock;
        Runner runner;
        auto options = fast_options();
        options.webhook_url = portal.webhook();
        REQUIRE(options.webhook_url.rfind("https://", 0) == 0);
        options.http.ca_file = (dir / "ca.pem").string();
        Client client(runner.io, options, clock);
        std::vector<std::string> ids;
        REQUIRE_FALSE(list_leads(client, "crm.lead.list", ids));
        CHECK(ids.size() == 120);

        auto untrusted = fast_options();
        untrusted.webhook_url = portal.webhook();
        Client refused(runner.io, untrusted, clock);
        auto f = refused.call("crm.lead.get", {{"id", 1}});
        auto r = get(f);
        REQUIRE(r.error);
        CHECK(r.error->code == std::string(codes::connect_failed));
        CHECK(r.error->to_string().find("s3cretcode") == std::string::npos);
    }
    fs::remove_all(dir);

    asio::io_context io;
    SystemClock clock;
    ClientOptions remote_plain;
    remote_plain.webhook_url = "http://portal.bitrix24.ru/rest/1/s3cretcode/";
    CHECK_THROWS_WITH(Client(io, remote_plain, clock),
                      Catch::Contains("HTTPS") && !Catch::Contains("s3cretcode"));
    ClientOptions nothing;
    CHECK_THROWS_AS(Client(io, nothing, clock), std::invalid_argument);
}

}  // namespace bitrix_client_test

namespace bitrix_client_test {

// Issue 19: a stored event's id with invalid UTF-8 made nlohmann throw inside the client's
// send timer, which aborted the daemon on every start.
TEST_CASE("bitrix client: a call whose params cannot be sent fails alone — its batch goes on",
          "[bitrix][integration][poison]") {
    PortalServer portal(10);
    SystemClock clock;
    Runner runner;
    auto options = fast_options();
    options.webhook_url = portal.webhook();
    options.coalesce_window = 20ms;
    Client client(runner.io, options, clock);
    auto before = client.call("crm.lead.get", {{"id", 1}});
    auto poison = client.call("crm.lead.get", {{"id", std::string("1\xff\xfe")}});
    auto after = client.call("crm.lead.get", {{"id", 2}});
    auto bad = get(poison);
    REQUIRE(bad.error);
    CHECK(bad.error->code == "INVALID_PARAMS");
    CHECK(fault_of(*bad.error) == Fault::refused);
    auto one = get(before);
    auto two = get(after);
    REQUIRE(one.ok());
    REQUIRE(two.ok());
    CHECK(two.result["ID"] == "2");
    CHECK(client.stats().commands == 2);  // the poison call never left
}

}  // namespace bitrix_client_test
