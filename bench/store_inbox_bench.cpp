// Group commit under load: `connections` intake threads each keep one event waiting for its
// answer (as an HTTP connection waits for 200), through one InboxWriter into the SQLite store.
// Prints events/s, events per transaction, and the time from submit to answer (p50/p99).
//
//   store_inbox_bench [--file PATH] [--events N] [--connections N] [--sync normal|full]
//
// Durations come from steady_clock: this measures the machine, not business time.
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

}  // namespace

int main(int argc, char** argv) {
    const bench::Flags flags(argc, argv, {"file", "events", "connections", "sync"});
    const auto file = flags.fresh_database("reglament-inbox.db");
    const long events = flags.number("events", 100'000);
    const int connections = static_cast<int>(flags.number("connections", 64));
    const SqliteOptions options = flags.options();

    SqliteStore store(file, options);
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
