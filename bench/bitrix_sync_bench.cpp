// The Bitrix24 client's benchmarks (issue 4, "Benchmark"), against a running emulator:
//
//   sync:  Client::list_all over every lead (the pager's batch chains of 50 pages), checking
//          that ids arrive once each in ascending order and keeping none of them;
//   mixed: CALLS single calls (crm.lead.get and crm.lead.update alternating, on random leads
//          1..LEADS) issued at once by THREADS threads through Client::call, each caller
//          getting its own answer back.
//
//   bitrix_sync_bench --mode sync  --webhook URL [--ca-file PEM] [--expect N]
//   bitrix_sync_bench --mode mixed --webhook URL [--ca-file PEM] --leads N [--calls 10000]
//                     [--threads 8]
//   common: [--burst 50] [--drain 2]  (the client's bucket; the portal's cloud limit by default)
//
// Prints "name value" lines: wall time, the client's own counters (HTTP requests, commands,
// batches, QUERY_LIMIT_EXCEEDED answers, retries), errors and the process's peak RSS. The
// emulator's side (requests it saw, 503s it answered, operating time) is read by
// bench/run-sync.sh around this run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bench/flags.hpp"
#include "bitrix/client.hpp"
#include "rules/clock.hpp"

namespace asio = boost::asio;
using namespace reglament;
using namespace reglament::bitrix;
using nlohmann::json;
using Seconds = std::chrono::duration<double>;

namespace {

using reglament::bench::Flags;

// VmHWM: the peak resident set size of this process, in kB.
long peak_rss_kb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// User + system CPU seconds this process has used.
double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

struct Runner {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~Runner() {
        asio::post(io, [this] { io.stop(); });
        thread.join();
    }
};

void print_stats(const ClientStats& s) {
    std::printf("http_requests %zu\ncommands %zu\nbatches %zu\nlimit_errors %zu\nretries %zu\n",
                s.http_requests, s.commands, s.batches, s.limit_errors, s.retries);
}

int run_sync(Client& client, const Flags& flags) {
    const long expect = flags.number("expect", -1);
    long items = 0;
    long pages = 0;
    long out_of_order = 0;
    long long last_id = 0;
    std::promise<std::optional<Error>> finished;
    auto started = std::chrono::steady_clock::now();
    client.list_all(
        ListRequest{"crm.lead.list"},
        [&](const json& page) {
            ++pages;
            for (const auto& lead : page) {
                long long id = std::stoll(lead.at("ID").get<std::string>());
                if (id <= last_id) ++out_of_order;
                last_id = id;
                ++items;
            }
        },
        [&](std::optional<Error> e) { finished.set_value(std::move(e)); });
    auto error = finished.get_future().get();
    double wall = Seconds(std::chrono::steady_clock::now() - started).count();
    std::printf("mode sync\nitems %ld\npages %ld\nlast_id %lld\nout_of_order %ld\nwall_s %.3f\n",
                items, pages, last_id, out_of_order, wall);
    print_stats(client.stats());
    std::printf("peak_rss_kb %ld\ncpu_s %.2f\n", peak_rss_kb(), cpu_seconds());
    if (error) {
        std::printf("error %s\n", error->to_string().c_str());
        return 1;
    }
    if (out_of_order != 0 || (expect >= 0 && items != expect)) {
        std::printf("error expected %ld leads in ascending order\n", expect);
        return 1;
    }
    return 0;
}

int run_mixed(Client& client, const Flags& flags) {
    const long leads = flags.number("leads", 0);
    const long calls = flags.number("calls", 10000);
    const long threads = std::max(1L, flags.number("threads", 8));
    if (leads <= 0) throw std::invalid_argument("--leads is required for --mode mixed");
    std::atomic<long> answered{0}, failed{0}, reads{0}, writes{0};
    std::mutex errors_mutex;
    std::map<std::string, long> errors;
    std::promise<void> all_done;
    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> callers;
    for (long t = 0; t < threads; ++t) {
        callers.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 1);
            std::uniform_int_distribution<long> lead(1, leads);
            for (long i = t; i < calls; i += threads) {
                const long id = lead(rng);
                const bool write = i % 2 == 1;
                (write ? writes : reads)++;
                auto done = [&](Result r) {
                    if (!r.ok()) {
                        ++failed;
                        std::lock_guard lock(errors_mutex);
                        ++errors[r.error->code];
                    }
                    if (++answered == calls) all_done.set_value();
                };
                if (write) {
                    client.call(
                        "crm.lead.update",
                        {{"id", id}, {"fields", {{"COMMENTS", "bench " + std::to_string(i)}}}},
                        Idempotency::idempotent, done);
                } else {
                    client.call("crm.lead.get", {{"id", id}}, Idempotency::read, done);
                }
            }
        });
    }
    for (auto& c : callers)
        c.join();
    double issued = Seconds(std::chrono::steady_clock::now() - started).count();
    all_done.get_future().wait();
    double wall = Seconds(std::chrono::steady_clock::now() - started).count();
    auto stats = client.stats();
    std::printf("mode mixed\ncalls %ld\nreads %ld\nwrites %ld\nthreads %ld\nissued_s %.3f\n", calls,
                reads.load(), writes.load(), threads, issued);
    std::printf("failed %ld\nwall_s %.3f\n", failed.load(), wall);
    print_stats(stats);
    std::printf("commands_per_request %.2f\npeak_rss_kb %ld\n",
                stats.http_requests ? double(stats.commands) / double(stats.http_requests) : 0.0,
                peak_rss_kb());
    for (const auto& [code, n] : errors)
        std::printf("error %s %ld\n", code.c_str(), n);
    return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Flags flags(argc, argv,
                    {"mode", "webhook", "ca-file", "expect", "leads", "calls", "threads", "burst",
                     "drain"});
        spdlog::set_level(spdlog::level::warn);
        const std::string mode = flags.text("mode", "sync");
        ClientOptions options;
        options.webhook_url = flags.text("webhook", "");
        options.bucket.burst = flags.real("burst", 50);
        options.bucket.drain_per_second = flags.real("drain", 2);
        if (auto ca = flags.text("ca-file", ""); !ca.empty()) options.http.ca_file = ca;
        SystemClock clock;
        Runner runner;
        int rc = 0;
        {
            Client client(runner.io, options, clock);
            if (mode == "sync") {
                rc = run_sync(client, flags);
            } else if (mode == "mixed") {
                rc = run_mixed(client, flags);
            } else {
                throw std::invalid_argument("--mode is sync or mixed");
            }
        }
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bitrix_sync_bench: %s\n", e.what());
        return 2;
    }
}
