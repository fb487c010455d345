// The emulated portal and the daemon as two real processes, wired as a user wires them: the
// emulator sends its outbound events to the daemon's /hooks/bitrix, the daemon calls the
// emulator's REST and Wazzup API, Wazzup's webhooks are pointed at the daemon by
// `reglamentd wazzup setup`. Both clocks are frozen at the same moment and moved together, so
// business time never waits; only network I/O is waited for (eventually()).
#pragma once

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"
#include "tests/support/process.hpp"

namespace reglament::test {

using nlohmann::json;

// Polls `done` in real time until it holds: only for I/O between the processes to settle.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

struct PortalOptions {
    std::string start = "2026-03-02T09:00:00+03:00";  // Monday, a working day
    bool dry_run = false;
    int poll_interval_seconds = 60;
    // Text edits of the shipped example config: {regex, replacement}.
    std::vector<std::pair<std::string, std::string>> config_edits;
    // Extra environment of the daemon (NOTIFY_SOCKET, WATCHDOG_USEC: systemd's side).
    std::map<std::string, std::string> daemon_env;
};

class Portal {
  public:
    TempDir dir;
    unsigned short emulator_port = free_port();
    unsigned short listen = free_port();
    unsigned short admin = free_port();
    std::unique_ptr<ChildProcess> emulator;
    std::unique_ptr<ChildProcess> daemon;
    net::BlockingHttpClient http;
    PortalOptions options;
    int daemon_runs = 0;

    explicit Portal(PortalOptions o = {}) : options(std::move(o)) {
        start_emulator();
        write_file(dir / "reglament.toml", config());
        ::chmod((dir / "reglament.toml").c_str(), 0600);
        start_daemon();
        setup_wazzup();
    }

    std::string emulator_url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(emulator_port) + path;
    }
    std::string admin_url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(admin) + path;
    }
    std::string hooks_url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(listen) + path;
    }

    json control(const std::string& path, const json& body = nullptr) {
        auto r = body.is_null() ? http.get(emulator_url("/_emulator/" + path))
                                : http.post(emulator_url("/_emulator/" + path), body.dump(),
                                            "application/json");
        INFO("emulator " << path << " answered " << r.status << ": " << r.body);
        REQUIRE(r.status / 100 == 2);
        return json::parse(r.body);
    }

    void control_delete(const std::string& path) {
        net::ClientRequest request;
        request.method = "DELETE";
        request.url = emulator_url("/_emulator/" + path);
        auto r = http.request(request);
        REQUIRE(r.response);
        REQUIRE(r.response->status / 100 == 2);
    }

    // SIGKILL: no shutdown, whatever was in flight is cut off.
    void kill_daemon() {
        daemon->signal(SIGKILL);
        daemon->wait_exit(std::chrono::seconds(10));
    }

    // The daemon again, on the same config and state file.
    void start_daemon() {
        std::vector<std::string> argv{REGLAMENTD_BIN, "run", "--config",
                                      (dir / "reglament.toml").string()};
        if (options.dry_run) argv.push_back("--dry-run");
        daemon = std::make_unique<ChildProcess>(
            argv, dir / ("daemon-" + std::to_string(++daemon_runs) + ".log"), options.daemon_env);
        if (!wait_until_healthy(admin_url("/healthz"), std::chrono::seconds(20)))
            FAIL("daemon did not become healthy:\n" << daemon->output());
    }

    // Moves both clocks by `seconds` of business time.
    void advance(int seconds) {
        control("clock", {{"advance_s", seconds}});
        auto r = http.post(admin_url("/admin/clock"), json{{"advance", seconds}}.dump(),
                           "application/json");
        REQUIRE(r.status == 200);
    }

    // Everything the daemon could do has been done: the emulator has no event left to send,
    // the daemon's inbox and outbox are empty, and nothing moved for a few looks in a row (a
    // write of the daemon makes the emulator send another event).
    // With a short poll interval, two whole polls must also have run since the call: what the
    // portal never delivered is only found by polling.
    void settle(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        std::string last;
        int stable = 0;
        double polls_at_start = polls();
        bool idle = eventually(
            [&] {
                // "state", not "events": the event log grows with the test and is not needed here.
                json state = control("state");
                auto m = http.get(admin_url("/metrics")).body;
                bool empty =
                    state["events_queued"] == 0 &&
                    m.find("reglament_queue_depth{queue=\"inbox\"} 0\n") != std::string::npos &&
                    m.find("reglament_queue_depth{queue=\"outbox\"} 0\n") != std::string::npos &&
                    m.find("reglament_queue_depth{queue=\"timers_due\"} 0\n") != std::string::npos;
                std::string now = state["events_delivered"].dump() + "|" +
                                  metric_line(m, "reglament_engine_events_total");
                if (options.poll_interval_seconds <= 2 && polls() < polls_at_start + 2)
                    empty = false;
                stable = (empty && now == last) ? stable + 1 : 0;
                last = now;
                return stable >= 3;
            },
            timeout);
        INFO(daemon->output());
        REQUIRE(idle);
    }

    json lead(long long id) { return control("leads/" + std::to_string(id)); }
    json list(const std::string& what) { return control(what); }

    // Notifications to a user whose text contains `needle`.
    std::vector<json> notifications_to(const std::string& user_id, const std::string& needle) {
        std::vector<json> out;
        json all = list("notifications");
        const json& items = all.is_array() ? all : all.value("notifications", json::array());
        for (const auto& n : items) {
            std::string to = n.contains("to") ? n["to"].dump() : n.value("user_id", json()).dump();
            std::string text = n.value("message", n.value("text", std::string()));
            if (to.find(user_id) != std::string::npos && text.find(needle) != std::string::npos)
                out.push_back(n);
        }
        return out;
    }

    std::string journal(const std::vector<std::string>& args = {}) {
        std::vector<std::string> argv{REGLAMENTD_BIN, "journal", "--config",
                                      (dir / "reglament.toml").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcess p(argv, dir / "journal.out");
        p.wait_exit(std::chrono::seconds(20));
        return p.output();
    }

    // An admin edits the config (`edits` join options.config_edits) and runs `systemctl reload`.
    void reload_config(const std::vector<std::pair<std::string, std::string>>& edits) {
        options.config_edits.insert(options.config_edits.end(), edits.begin(), edits.end());
        write_file(dir / "reglament.toml", config());
        ::chmod((dir / "reglament.toml").c_str(), 0600);
        daemon->signal(SIGHUP);
    }

    double polls() {
        auto line = metric_line(http.get(admin_url("/metrics")).body, "reglament_polls_total");
        auto space = line.rfind(' ');
        return space == std::string::npos ? 0 : std::stod(line.substr(space + 1));
    }

  private:
    static std::string metric_line(const std::string& metrics, const std::string& name) {
        auto at = metrics.find("\n" + name);
        if (at == std::string::npos) return "";
        return metrics.substr(at + 1, metrics.find('\n', at + 1) - at - 1);
    }

    std::string config() const {
        std::string text =
            read_file(std::string(REGLAMENT_SOURCE_DIR) + "/config/reglament.example.toml");
        auto sub = [&](const std::string& re, const std::string& by) {
            text = std::regex_replace(text, std::regex(re), by);
        };
        std::string emu = "http://127.0.0.1:" + std::to_string(emulator_port);
        sub("listen_port = \\d+", "listen_port = " + std::to_string(listen));
        sub("admin_port = \\d+", "admin_port = " + std::to_string(admin));
        sub("listen_address = \"0.0.0.0\"", "listen_address = \"127.0.0.1\"");
        sub("public_url = \"[^\"]*\"",
            "public_url = \"http://127.0.0.1:" + std::to_string(listen) + "\"");
        sub("path = \"/var/lib/reglamentd/reglament.db\"",
            "path = \"" + (dir / "state" / "reglament.db").string() + "\"");
        sub("webhook_url = \"http://127.0.0.1:18080/", "webhook_url = \"" + emu + "/");
        sub("api_url = \"http://127.0.0.1:18080/", "api_url = \"" + emu + "/");
        sub("poll_interval_seconds = \\d+",
            "poll_interval_seconds = " + std::to_string(options.poll_interval_seconds));
        sub("mode = \"system\"", "mode = \"manual\"\nstart = " + options.start);
        // The emulator's bucket is off here (start_emulator), so is ours: these tests are about
        // the regulations, the rate limit has its own tests.
        sub("# burst = 50", "burst = 100000");
        sub("# drain_per_second = 2.0", "drain_per_second = 100000.0");
        for (const auto& [re, by] : options.config_edits)
            sub(re, by);
        return text;
    }

    void start_emulator() {
        emulator = std::make_unique<ChildProcess>(
            std::vector<std::string>{
                EMULATOR_BIN, "--listen", "127.0.0.1:" + std::to_string(emulator_port),
                "--webhook-secret", "demo-secret", "--user-id", "1", "--scenario",
                std::string(REGLAMENT_SOURCE_DIR) + "/emulator/scenarios/call-centre.json",
                "--wazzup-key", "demo-wazzup-key", "--event-handler",
                "http://127.0.0.1:" + std::to_string(listen) + "/hooks/bitrix",
                "--application-token", "demo-application-token"},
            dir / "emulator.log");
        if (!wait_until_healthy(emulator_url("/_emulator/health"), std::chrono::seconds(20)))
            FAIL("emulator did not start:\n" << emulator->output());
        control("clock", {{"now", options.start}, {"freeze", true}});
        // The emulator's leaky bucket drains on its own clock, which stands still here: these
        // tests are about the regulations, the rate limit has its own (bitrix client tests).
        control("config", {{"rate_burst", 1000000}});
    }

    void setup_wazzup() {
        ChildProcess p(
            {REGLAMENTD_BIN, "wazzup", "setup", "--config", (dir / "reglament.toml").string()},
            dir / "wazzup-setup.log");
        auto code = p.wait_exit(std::chrono::seconds(20));
        INFO(p.output());
        REQUIRE(code == 0);
    }
};

// Notifications to a user whose text contains `needle` (the user id as the emulator keeps it).
inline std::vector<json> notifications(Portal& p, long long user, const std::string& needle) {
    std::vector<json> out;
    for (const auto& n : p.list("notifications"))
        if (n.value("user_id", 0LL) == user &&
            n.value("message", std::string()).find(needle) != std::string::npos)
            out.push_back(n);
    return out;
}

// How many times the daemon called a REST method of the emulated portal.
inline int rest_count(Portal& p, const std::string& method) {
    return p.control("rest-calls?limit=1")["counts"].value(method, 0);
}

}  // namespace reglament::test
