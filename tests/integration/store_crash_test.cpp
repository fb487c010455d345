// Crash safety with a real process and a real file: a child process appends events through
// InboxWriter and reports every acknowledged one down a pipe (as the daemon would answer 200);
// the parent kills it with SIGKILL mid-stream, several times, then reopens the file and finds
// every acknowledged event.
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <semaphore>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/inbox_writer.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace store_crash_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

// Never returns. Four intake threads, each with up to 100 events waiting for their answer.
[[noreturn]] void run_writer_child(const std::filesystem::path& path, int ack_fd, int round) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    try {
        SqliteStore store(path);
        InboxWriter writer(store);
        std::vector<std::thread> intake;
        for (int t = 0; t < 4; ++t) {
            intake.emplace_back([&, t] {
                std::counting_semaphore<100> window(100);
                for (long i = 0;; ++i) {
                    window.acquire();
                    std::string key = "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" +
                                      std::to_string(i);
                    InboxEvent event{"bitrix",
                                     key,
                                     "lead:" + std::to_string(i % 50),
                                     "ONCRMLEADUPDATE",
                                     R"({"ID":")" + std::to_string(i) + "\"}",
                                     at_ms(i)};
                    writer.submit(std::move(event), [&window, key, ack_fd](const auto& r) {
                        if (r.committed) {
                            const std::string line = key + "\n";  // < PIPE_BUF: one atomic write
                            if (::write(ack_fd, line.data(), line.size()) < 0) ::_exit(4);
                        }
                        window.release();
                    });
                }
            });
        }
        for (auto& t : intake)
            t.join();
    } catch (...) {
        ::_exit(3);
    }
    ::_exit(2);
}

// Reads acknowledged keys until at least `until` of them arrived (or EOF when until is 0).
std::size_t read_acks(int fd, std::string& partial, std::set<std::string>& acks,
                      std::size_t until) {
    std::size_t got = 0;
    char buffer[4096];
    while (until == 0 || got < until) {
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        partial.append(buffer, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (auto nl = partial.find('\n'); nl != std::string::npos;
             nl = partial.find('\n', start)) {
            acks.insert(partial.substr(start, nl - start));
            ++got;
            start = nl + 1;
        }
        partial.erase(0, start);
    }
    return got;
}

std::string integrity_of(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
    std::string result = sqlite3_step(stmt) == SQLITE_ROW
                             ? reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))
                             : "no answer";
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return result;
}

}  // namespace

TEST_CASE("store crash: every event acknowledged before SIGKILL is there after reopen",
          "[store][crash]") {
    TempDir dir;
    const auto path = dir.file("state.db");
    std::set<std::string> acknowledged;

    // Kill after different numbers of acknowledgements: early, mid-stream, later.
    const std::vector<std::size_t> kill_after = {150, 1200, 3000};
    for (int round = 0; round < static_cast<int>(kill_after.size()); ++round) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(fds[0]);
            run_writer_child(path, fds[1], round);
        }
        ::close(fds[1]);
        std::string partial;
        const auto before_kill =
            read_acks(fds[0], partial, acknowledged, kill_after[static_cast<std::size_t>(round)]);
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        // Acknowledgements written before the kill are still in the pipe.
        read_acks(fds[0], partial, acknowledged, 0);
        ::close(fds[0]);
        INFO("round " << round);
        REQUIRE(before_kill >= kill_after[static_cast<std::size_t>(round)]);  // child was alive
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);
    }

    CHECK(integrity_of(path) == "ok");
    SqliteStore store(path);
    std::set<std::string> stored;
    for (const auto& e : store.next_pending(10'000'000))
        stored.insert(e.event.dedup_key);
    std::size_t missing = 0;
    for (const auto& key : acknowledged) {
        if (!stored.contains(key)) ++missing;
    }
    INFO(acknowledged.size() << " acknowledged, " << stored.size() << " stored");
    CHECK(acknowledged.size() >= 4350);
    CHECK(missing == 0);
}

}  // namespace store_crash_test
