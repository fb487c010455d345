// Health tells the truth (issue 19): /healthz answers 503 with the reason while webhooks cannot
// be committed, and the systemd watchdog hears from the daemon only while its engine finishes
// steps. Real faults against a running daemon: a file size limit on the process (to SQLite, a
// full disk: every write that grows a file fails) and a portal too slow to answer a read.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/e2e/portal_fixture.hpp"

namespace health_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

struct Health {
    int status = 0;
    json body;
};

Health health(Portal& p) {
    auto r = p.http.get(p.admin_url("/healthz"));
    return {r.status, json::parse(r.body, nullptr, false)};
}

long long new_lead(Portal& p, const std::string& title, const std::string& phone) {
    return p.control("act/lead", {{"title", title}, {"phone", phone}})["id"].get<long long>();
}

// systemd's end of sd_notify: a datagram socket the daemon is told of by NOTIFY_SOCKET.
struct NotifySocket {
    std::string path;
    int fd = -1;
    explicit NotifySocket(std::string p) : path(std::move(p)) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        timeval tick{0, 100 * 1000};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    }
    ~NotifySocket() { ::close(fd); }
    // The watchdog pings received within `window` of real time.
    int pings(std::chrono::milliseconds window) {
        int n = 0;
        auto until = std::chrono::steady_clock::now() + window;
        char buf[512];
        while (std::chrono::steady_clock::now() < until) {
            auto got = ::recv(fd, buf, sizeof buf - 1, 0);
            if (got <= 0) continue;
            if (std::string(buf, static_cast<std::size_t>(got)).find("WATCHDOG=1") !=
                std::string::npos)
                ++n;
        }
        return n;
    }
};

}  // namespace

TEST_CASE("e2e: /healthz answers 503 with the reason while webhooks cannot be committed",
          "[e2e][health]") {
    Portal p;
    p.settle();
    CHECK(health(p).status == 200);

    // The disk is full for the daemon: no file it writes may grow past 1 KiB.
    rlimit full{1024, RLIM_INFINITY};
    rlimit before{};
    REQUIRE(::prlimit(p.daemon->pid(), RLIMIT_FSIZE, &full, &before) == 0);
    long long lost = new_lead(p, "Пока диск полон", "+7 917 100-00-01");
    Health h;
    CHECK(eventually([&] { return (h = health(p)).status == 503; }));
    INFO(h.body.dump());
    CHECK(h.body.value("status", "") == "failing");
    CHECK_THAT(h.body["problems"].dump(), Catch::Contains("webhooks cannot be committed"));
    // Each webhook the sender is refused with 503, so it is the sender's to repeat.
    auto refused =
        p.http.post(p.hooks_url("/hooks/bitrix"),
                    "event=ONCRMLEADUPDATE&data%5BFIELDS%5D%5BID%5D=" + std::to_string(lost) +
                        "&ts=1772431200&auth%5Bapplication_token%5D=demo-application-"
                        "token",
                    "application/x-www-form-urlencoded");
    CHECK(refused.status == 503);
    CHECK(health(p).status == 503);  // still: nothing was committed since

    // Space again: the next webhook commits and health is back.
    REQUIRE(::prlimit(p.daemon->pid(), RLIMIT_FSIZE, &before, nullptr) == 0);
    new_lead(p, "Диск свободен", "+7 917 100-00-02");
    CHECK(eventually([&] { return health(p).status == 200; }));
}

TEST_CASE("e2e: the watchdog hears from the daemon only while its engine finishes steps",
          "[e2e][health][watchdog]") {
    TempDir sockets;
    NotifySocket notify((sockets / "notify").string());
    PortalOptions o;
    o.config_edits = {{"engine_stall_seconds = \\d+", "engine_stall_seconds = 5"}};
    o.daemon_env = {{"NOTIFY_SOCKET", notify.path}, {"WATCHDOG_USEC", "1000000"}};
    Portal p(o);
    p.settle();
    CHECK(notify.pings(std::chrono::seconds(2)) >= 2);

    // Every REST answer now takes a minute: the engine's read of the new lead does not come back,
    // while the event loop (the admin endpoint, the timers) goes on as before.
    p.control("faults", {{"method", "*"}, {"kind", "slow"}, {"delay_ms", 60000}});
    new_lead(p, "Портал завис", "+7 917 100-00-03");
    Health h;
    CHECK(eventually([&] { return (h = health(p)).status == 503; }));
    INFO(h.body.dump());
    CHECK_THAT(h.body["problems"].dump(), Catch::Contains("the engine has finished no step"));
    notify.pings(std::chrono::milliseconds(600));  // what was sent before
    CHECK(notify.pings(std::chrono::seconds(3)) == 0);
    CHECK_THAT(p.daemon->output(), Catch::Contains("systemd is no longer told"));
}

}  // namespace health_e2e_test
