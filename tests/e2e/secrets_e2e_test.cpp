// Secrets never reach the daemon's log, whatever the portal does: every fault the emulator can
// inject is produced against a running daemon, and its whole output is searched for each secret
// of its config.
#include <catch2/catch.hpp>

#include <string>

#include "tests/e2e/portal_fixture.hpp"

namespace secrets_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

// The shipped example's secrets (config/reglament.example.toml), as the fixture configures them.
constexpr const char* kSecrets[] = {"demo-secret", "demo-application-token", "demo-wazzup-key",
                                    "demo-wazzup-hook"};

void new_lead(Portal& p, int n) {
    p.control("act/lead", {{"title", "Сбой " + std::to_string(n)},
                           {"phone", "+7 916 555-00-" + std::to_string(10 + n)}});
}

// Injects `fault` for the next `count` REST calls and waits until the daemon has met them all.
void suffer(Portal& p, json fault, int count, int lead) {
    fault["method"] = "*";
    fault["count"] = count;
    p.control("faults", fault);
    new_lead(p, lead);
    p.advance(1);
    INFO("fault " << fault.dump());
    CHECK(eventually([&] { return p.control("faults").empty(); }, std::chrono::seconds(60)));
}

}  // namespace

TEST_CASE("e2e: no secret in any log line when the portal fails, moves or breaks TLS",
          "[e2e][secrets]") {
    Portal p;
    p.settle();
    const std::string emulator_port = std::to_string(p.emulator_port);

    int lead = 0;
    suffer(p, {{"kind", "500"}}, 3, ++lead);   // 5xx bodies
    suffer(p, {{"kind", "html"}}, 3, ++lead);  // 502 with an HTML body
    suffer(p, {{"kind", "drop"}}, 3, ++lead);  // the connection closes without an answer
    // A moved portal (another origin): the calls follow it, the admin is told where.
    suffer(p, {{"kind", "redirect"}, {"location", "http://localhost:" + emulator_port}}, 1, ++lead);
    CHECK(eventually(
        [&] { return p.daemon->output().find("moved the portal") != std::string::npos; }));
    // Moved again, to HTTPS on a port that speaks plain HTTP: every call fails its handshake.
    suffer(p, {{"kind", "redirect"}, {"location", "https://127.0.0.1:" + emulator_port}}, 1,
           ++lead);
    new_lead(p, ++lead);
    p.advance(1);
    CHECK(
        eventually([&] { return p.daemon->output().find("read(s) failed") != std::string::npos; }));

    // A 4xx body: the portal refuses the webhook's code (rotated) on a restart.
    p.daemon->signal(SIGTERM);
    p.daemon->wait_exit(std::chrono::seconds(15));
    auto config = read_file(p.dir / "reglament.toml");
    auto code = config.find("/rest/1/demo-secret/");
    REQUIRE(code != std::string::npos);
    config.replace(code, std::string("/rest/1/demo-secret/").size(),
                   "/rest/1/demo-secret-rotated/");
    write_file(p.dir / "reglament.toml", config);
    p.start_daemon();
    new_lead(p, ++lead);
    p.advance(1);
    CHECK(eventually([&] { return p.daemon->output().find("401") != std::string::npos; }));

    for (int run = 1; run <= p.daemon_runs; ++run) {
        auto log = read_file(p.dir / ("daemon-" + std::to_string(run) + ".log"));
        INFO("daemon run " << run << ":\n" << log);
        for (const char* secret : kSecrets)
            CHECK(log.find(secret) == std::string::npos);
    }
}

}  // namespace secrets_e2e_test
