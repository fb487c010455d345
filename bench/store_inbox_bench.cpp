// Group commit under load: `connections` intake threads each keep one event waiting for its
// answer (as an HTTP connection waits for 200), through one InboxWriter into the SQLite store.
// Prints events/s, events per transaction, and the time from submit to answer (p50/p99).
// With --batch N it measures the writer's own cost instead: one thread appends N events per
// transaction, as the group-commit thread does under load, and prints the CPU time it spent
// per event (user and kernel: the WAL writes and the fsync are part of it).
//
//   store_inbox_bench [--file PATH] [--events N] [--connections N | --batch N] [--sync normal|full]
//
// Durations come from steady_clock: this measures the machine, not business time.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "bench/store_bench_flags.hpp"
#include "store/inbox_writer.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace reglament::store;
using Steady = std::chrono::steady_clock;

// A typical Bitrix24 outbound event as the intake stores it: the key is the delivery id, the
// payload the event without its auth block.
InboxEvent typical_event(const std::string& key, long i) {
    return InboxEvent{"bitrix",
                      key,
                      "lead:" + std::to_string(i % 5000),
                      "ONCRMLEADUPDATE",
                      R"({"data":{"FIELDS":{"ID":")" + std::to_string(i) + R"("}},"entity_id":")" +
                          std::to_string(i) +
                          R"(","name":"ONCRMLEADUPDATE","ts":"2025-11-25T08:00:00Z"})",
                      TimePoint(std::chrono::milliseconds(i))};
}

// This thread's CPU time so far, user and kernel apart, in seconds.
std::pair<double, double> thread_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

int run_batches(SqliteStore& store, long events, long batch, const SqliteOptions& options) {
    std::vector<InboxEvent> pending;
    pending.reserve(static_cast<std::size_t>(batch));
    char key[64];
    const auto cpu_before = thread_cpu_seconds();
    const auto start = Steady::now();
    long appended = 0;
    for (long i = 0; i < events; ++i) {
        std::snprintf(key, sizeof key, "bitrix:0123456789abcdef-%016lx", i);
        pending.push_back(typical_event(key, i));
        if (static_cast<long>(pending.size()) == batch || i + 1 == events) {
            appended += static_cast<long>(store.append_events(pending).size());
            pending.clear();
        }
    }
    const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
    const auto cpu_after = thread_cpu_seconds();
    const double per_event = 1e6 / static_cast<double>(appended);
    std::printf(
        "%s  batches of %ld  %ld events in %.2f s = %.0f events/s  CPU per event: user %.2f us, "
        "kernel %.2f us\n",
        options.sync == SqliteOptions::Sync::full ? "FULL  " : "NORMAL", batch, appended, seconds,
        static_cast<double>(appended) / seconds, (cpu_after.first - cpu_before.first) * per_event,
        (cpu_after.second - cpu_before.second) * per_event);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Flags flags(argc, argv, {"file", "events", "connections", "batch", "sync"});
    const auto file = flags.fresh_database("reglament-inbox.db");
    const long events = flags.number("events", 100'000);
    const int connections = static_cast<int>(flags.number("connections", 64));
    const long batch = flags.number("batch", 0);
    const SqliteOptions options = flags.options();

    SqliteStore store(file, options);
    if (batch > 0) return run_batches(store, events, batch, options);
    InboxWriter writer(store);
    const long per_connection = events / connections;
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
    const auto start = Steady::now();
    std::vector<std::thread> intake;
    for (int c = 0; c < connections; ++c) {
        intake.emplace_back([&, c] {
            auto& mine = latencies[static_cast<std::size_t>(c)];
            mine.reserve(static_cast<std::size_t>(per_connection));
            for (long i = 0; i < per_connection; ++i) {
                const std::string key = "c" + std::to_string(c) + "-" + std::to_string(i);
                // A typical Bitrix24 outbound event once parsed (~300 bytes).
                InboxEvent event{
                    "bitrix",
                    key,
                    "lead:" + std::to_string(i % 5000),
                    "ONCRMLEADUPDATE",
                    R"({"event":"ONCRMLEADUPDATE","event_handler_id":"3",)"
                    R"("data":{"FIELDS":{"ID":")" +
                        std::to_string(i) +
                        R"("}},"ts":"1764057600","auth":{"domain":"example.bitrix24.ru",)"
                        R"("client_endpoint":"https://example.bitrix24.ru/rest/",)"
                        R"("member_id":"a223c6b3710f85df22e9377d6c4f7553"}})",
                    TimePoint(std::chrono::milliseconds(i))};
                std::promise<bool> answered;
                const auto submitted = Steady::now();
                writer.submit(std::move(event), [&](const InboxWriter::Result& r) {
                    answered.set_value(r.committed);
                });
                if (!answered.get_future().get()) std::abort();
                mine.push_back(
                    std::chrono::duration<double, std::milli>(Steady::now() - submitted).count());
            }
        });
    }
    for (auto& t : intake)
        t.join();
    const double seconds = std::chrono::duration<double>(Steady::now() - start).count();

    std::vector<double> all;
    for (const auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all[static_cast<std::size_t>(p * (all.size() - 1))]; };
    const auto total = static_cast<double>(writer.events_committed());
    std::printf(
        "%s  %d connections  %.0f events in %.2f s = %.0f events/s  %.1f events/transaction  "
        "ack p50 %.2f ms  p99 %.2f ms\n",
        options.sync == SqliteOptions::Sync::full ? "FULL  " : "NORMAL", connections, total,
        seconds, total / seconds, total / static_cast<double>(writer.batches_committed()),
        pct(0.50), pct(0.99));
    return 0;
}
