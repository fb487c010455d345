// The daemon binary as a user runs it: check-config, start-up, /healthz, /metrics, the manual
// clock, SIGHUP with a broken file, SIGTERM.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>
#include <regex>

#include "net/http_client.hpp"
#include "tests/support/process.hpp"

namespace daemon_admin_test {

using namespace reglament::test;
using reglament::net::BlockingHttpClient;

namespace {

std::string example_config() {
    return read_file(std::string(REGLAMENT_SOURCE_DIR) + "/config/reglament.example.toml");
}

// The shipped example, pointed at free ports, a temp store and the given clock mode.
std::string test_config(const TempDir& dir, unsigned short listen, unsigned short admin,
                        const std::string& clock_mode) {
    std::string text = example_config();
    text = std::regex_replace(text, std::regex("listen_port = \\d+"),
                              "listen_port = " + std::to_string(listen));
    text = std::regex_replace(text, std::regex("admin_port = \\d+"),
                              "admin_port = " + std::to_string(admin));
    text = std::regex_replace(text, std::regex("path = \"/var/lib/reglamentd/reglament.db\""),
                              "path = \"" + (dir / "state.db").string() + "\"");
    std::string clock = "mode = \"" + clock_mode + "\"";
    if (clock_mode != "system") clock += "\nstart = 2026-03-02T09:00:00+03:00";
    text = std::regex_replace(text, std::regex("mode = \"system\""), clock);
    return text;
}

struct RunningDaemon {
    TempDir dir;
    unsigned short listen = free_port();
    unsigned short admin = free_port();
    std::unique_ptr<ChildProcess> process;

    explicit RunningDaemon(const std::string& clock_mode) {
        write_file(dir / "reglament.toml", test_config(dir, listen, admin, clock_mode));
        ::chmod((dir / "reglament.toml").c_str(), 0600);
        process = std::make_unique<ChildProcess>(
            std::vector<std::string>{REGLAMENTD_BIN, "run", "--config",
                                     (dir / "reglament.toml").string()},
            dir / "daemon.log");
        if (!wait_until_healthy(admin_url("/healthz"), std::chrono::seconds(20)))
            FAIL("daemon did not become healthy:\n" << process->output());
    }
    std::string admin_url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(admin) + path;
    }
    std::string hook_url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(listen) + path;
    }
};

}  // namespace

TEST_CASE("e2e: check-config accepts the shipped example", "[e2e][config]") {
    TempDir dir;
    ChildProcess p({REGLAMENTD_BIN, "check-config",
                    std::string(REGLAMENT_SOURCE_DIR) + "/config/reglament.example.toml"},
                   dir / "out.log");
    CHECK(p.wait_exit(std::chrono::seconds(20)) == 0);
    CHECK_THAT(p.output(), Catch::Contains("26 of 26 rules"));
}

TEST_CASE("e2e: check-config reports three distinct mistakes with their lines", "[e2e][config]") {
    TempDir dir;
    std::string text = example_config();
    // 1: a typo in a key; 2: a bad time zone; 3: a wrong type.
    text = std::regex_replace(text, std::regex("\nlisten_port = 8080"), "\nlisten_prot = 8080",
                              std::regex_constants::format_first_only);
    text = std::regex_replace(text, std::regex("time_zone = \"Europe/Moscow\""),
                              "time_zone = \"Europe/Atlantis\"",
                              std::regex_constants::format_first_only);
    text = std::regex_replace(text, std::regex("admin_port = 9090"), "admin_port = \"ninety\"");
    write_file(dir / "broken.toml", text);
    auto line_of = [&](const std::string& needle) {
        auto pos = text.find(needle);
        return 1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n');
    };
    ChildProcess p({REGLAMENTD_BIN, "check-config", (dir / "broken.toml").string()},
                   dir / "out.log");
    CHECK(p.wait_exit(std::chrono::seconds(20)) == 1);
    auto out = p.output();
    INFO(out);
    auto file = (dir / "broken.toml").string();
    CHECK_THAT(out, Catch::Contains(file + ":" + std::to_string(line_of("listen_prot")) + ":"));
    CHECK_THAT(out, Catch::Contains(file + ":" + std::to_string(line_of("Europe/Atlantis")) + ":"));
    CHECK_THAT(out, Catch::Contains(file + ":" + std::to_string(line_of("\"ninety\"")) + ":"));
    CHECK_THAT(out, Catch::Contains("listen_prot"));
    CHECK_THAT(out, Catch::Contains("Europe/Atlantis"));

    // `run` refuses the same file with the same words.
    ChildProcess run({REGLAMENTD_BIN, "run", "--config", file}, dir / "run.log");
    CHECK(run.wait_exit(std::chrono::seconds(20)) == 1);
    CHECK_THAT(run.output(), Catch::Contains("listen_prot"));
}

TEST_CASE("e2e: /healthz and /metrics of a running daemon", "[e2e][admin]") {
    RunningDaemon d("system");
    BlockingHttpClient http;
    auto health = http.get(d.admin_url("/healthz"));
    CHECK(health.status == 200);
    auto body = nlohmann::json::parse(health.body);
    CHECK(body["status"] == "ok");
    CHECK(body["version"].is_string());
    CHECK(body["uptime_seconds"].get<double>() >= 0);

    auto metrics = http.get(d.admin_url("/metrics"));
    CHECK(metrics.status == 200);
    CHECK(metrics.header("Content-Type").find("version=0.0.4") != std::string_view::npos);
    CHECK_THAT(metrics.body, Catch::Contains("reglament_build_info{version=\""));
    CHECK_THAT(metrics.body, Catch::Contains("# TYPE reglament_uptime_seconds gauge"));
    CHECK_THAT(
        metrics.body,
        Catch::Contains(
            "reglament_http_requests_total{server=\"admin\",path=\"/healthz\",status=\"200\"}"));

    // The clock cannot be moved on a system clock.
    auto clock = http.post(d.admin_url("/admin/clock"), R"({"advance": 60})", "application/json");
    CHECK(clock.status == 404);
}

TEST_CASE("e2e: the manual clock is set and advanced through /admin/clock", "[e2e][admin][clock]") {
    RunningDaemon d("manual");
    BlockingHttpClient http;
    auto now =
        nlohmann::json::parse(http.get(d.admin_url("/healthz")).body)["now"].get<std::string>();
    CHECK(now == "2026-03-02T09:00:00+03:00");

    auto advanced =
        http.post(d.admin_url("/admin/clock"), R"({"advance": 600})", "application/json");
    CHECK(advanced.status == 200);
    CHECK(nlohmann::json::parse(advanced.body)["now"] == "2026-03-02T09:10:00+03:00");

    auto set = http.post(d.admin_url("/admin/clock"), R"({"now": "2026-03-06T17:55:00+03:00"})",
                         "application/json");
    CHECK(nlohmann::json::parse(set.body)["now"] == "2026-03-06T17:55:00+03:00");

    auto bad =
        http.post(d.admin_url("/admin/clock"), R"({"now": "yesterday"})", "application/json");
    CHECK(bad.status == 400);
    CHECK_THAT(bad.body, Catch::Contains("ISO 8601"));

    // Outside 1970-2100 is refused, and the clock stays where it was (issue 19 §7).
    for (const char* body :
         {R"({"now": "2101-01-01T12:00:00+03:00"})", R"({"now": "1969-12-31T23:59:59Z"})",
          R"({"advance": 1e300})", R"({"advance": 3000000000})"}) {
        INFO(body);
        auto refused = http.post(d.admin_url("/admin/clock"), body, "application/json");
        CHECK(refused.status == 400);
        CHECK_THAT(refused.body, Catch::Contains("between 1970-01-01 and 2100-12-31"));
    }
    CHECK(nlohmann::json::parse(http.get(d.admin_url("/healthz")).body)["now"] ==
          "2026-03-06T17:55:00+03:00");
}

// Issue 19 §1: a ~100 KB form of `data` and 50,000 `[]` crashed the daemon with a stack
// overflow before the token was checked. Every refusal is now an answer, and counted.
TEST_CASE("e2e: hostile requests are refused with a reason — the daemon lives on and counts them",
          "[e2e][admin][hostile]") {
    RunningDaemon d("system");
    BlockingHttpClient http;
    std::string deep = "data";
    for (int i = 0; i < 50000; ++i)
        deep += "[]";
    auto crash =
        http.post(d.hook_url("/hooks/bitrix"), deep + "=1", "application/x-www-form-urlencoded");
    CHECK(crash.status == 400);
    CHECK_THAT(crash.body, Catch::Contains("nested deeper"));

    std::string wide = "event=ONCRMLEADADD";
    for (int i = 0; i < 5000; ++i)
        wide += "&f" + std::to_string(i) + "=1";
    CHECK(
        http.post(d.hook_url("/hooks/bitrix"), wide, "application/x-www-form-urlencoded").status ==
        413);
    // A request line past the header limit: the server itself answers 431.
    CHECK(http.get(d.hook_url("/hooks/" + std::string(20000, 'x'))).status == 431);

    CHECK(d.process->running());
    auto health = http.get(d.admin_url("/healthz"));
    CHECK(health.status == 200);
    auto metrics = http.get(d.admin_url("/metrics")).body;
    CHECK_THAT(metrics, Catch::Contains("reglament_http_rejected_total{server=\"hooks\",endpoint="
                                        "\"/hooks/bitrix\",code=\"400\"} 1"));
    CHECK_THAT(metrics, Catch::Contains("reglament_http_rejected_total{server=\"hooks\",endpoint="
                                        "\"/hooks/bitrix\",code=\"413\"} 1"));
    CHECK_THAT(metrics, Catch::Contains("reglament_http_rejected_total{server=\"hooks\",endpoint="
                                        "\"unknown\",code=\"431\"} 1"));
    CHECK_THAT(d.process->output(), Catch::Contains("refused (400)"));
}

TEST_CASE("e2e: check-config warns of an exposed adjustable clock and a world-readable secret",
          "[e2e][config]") {
    TempDir dir;
    write_file(dir / "token", "b24AppTokenFromFile");
    ::chmod((dir / "token").c_str(), 0644);
    std::string text = test_config(dir, 18080, 19090, "manual");
    text = std::regex_replace(text, std::regex("admin_address = \"127.0.0.1\""),
                              "admin_address = \"0.0.0.0\"");
    text = std::regex_replace(text, std::regex("\napplication_token = \"[^\"]*\""),
                              "\napplication_token_file = \"" + (dir / "token").string() + "\"",
                              std::regex_constants::format_first_only);
    write_file(dir / "reglament.toml", text);
    ::chmod((dir / "reglament.toml").c_str(), 0600);
    ChildProcess p({REGLAMENTD_BIN, "check-config", (dir / "reglament.toml").string()},
                   dir / "out.log");
    CHECK(p.wait_exit(std::chrono::seconds(20)) == 0);
    auto out = p.output();
    INFO(out);
    CHECK_THAT(out, Catch::Contains("server.admin_address 0.0.0.0 is not a loopback address"));
    CHECK_THAT(out, Catch::Contains("portal.application_token_file"));
    CHECK_THAT(out, Catch::Contains("can be read by every user"));
}

TEST_CASE("e2e: SIGHUP with a broken config keeps the old one — SIGTERM exits 0", "[e2e][signals]") {
    RunningDaemon d("system");
    write_file(d.dir / "reglament.toml", "[server\nbroken = ");
    d.process->signal(SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    BlockingHttpClient http;
    CHECK(http.get(d.admin_url("/healthz")).status == 200);
    d.process->signal(SIGTERM);
    CHECK(d.process->wait_exit(std::chrono::seconds(15)) == 0);
    auto log = d.process->output();
    CHECK_THAT(log, Catch::Contains("reload refused"));
    CHECK_THAT(log, Catch::Contains("stopped"));
}

TEST_CASE("e2e: a state file truncated to zero or gone is refused — --start-empty starts empty",
          "[e2e][state]") {
    namespace fs = std::filesystem;
    RunningDaemon d("system");
    const auto state = d.dir / "state.db";
    const auto config = (d.dir / "reglament.toml").string();
    d.process->signal(SIGTERM);
    REQUIRE(d.process->wait_exit(std::chrono::seconds(60)) == 0);
    REQUIRE(fs::file_size(state) > 0);
    CHECK(fs::exists(d.dir / "state.db.present"));

    auto refused = [&](const std::string& log, const std::string& why) {
        ChildProcess run({REGLAMENTD_BIN, "run", "--config", config}, d.dir / log);
        auto code = run.wait_exit(std::chrono::seconds(20));
        INFO(run.output());
        CHECK(code == 1);
        CHECK_THAT(run.output(), Catch::Contains(why) && Catch::Contains(state.string()) &&
                                     Catch::Contains("--start-empty") && Catch::Contains("backup"));
    };
    fs::resize_file(state, 0);
    refused("truncated.log", "is empty (0 bytes)");
    CHECK(fs::file_size(state) == 0);  // refused before anything was written
    fs::remove(state);
    refused("missing.log", "is missing, but this installation had state");
    CHECK_FALSE(fs::exists(state));

    // The admin's explicit choice starts empty, and from then on this state is the one kept.
    d.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{REGLAMENTD_BIN, "run", "--config", config, "--start-empty"},
        d.dir / "start-empty.log");
    CHECK(wait_until_healthy(d.admin_url("/healthz"), std::chrono::seconds(20)));
    CHECK_THAT(d.process->output(), Catch::Contains("--start-empty: starting with no state"));
    d.process->signal(SIGTERM);
    CHECK(d.process->wait_exit(std::chrono::seconds(15)) == 0);
    CHECK(fs::file_size(state) > 0);
}

}  // namespace daemon_admin_test
