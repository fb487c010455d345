// 1,000,000 pending timers in the SQLite store: how long they take to insert, how long the
// store takes to open with them on disk (the daemon's start-up: open + earliest due), and how
// long firing 10,000 that are due at the same instant takes (one bounded take_due batch).
//
//   store_timers_bench [--file PATH] [--timers N] [--fire N] [--batch N] [--sync normal|full]
//
// Durations come from steady_clock: this measures the machine, not business time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/store_bench_flags.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace reglament::store;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
    return std::chrono::duration<double>(Steady::now() - start).count();
}

// Resident set size now and at its peak, from /proc (kB).
std::string memory() {
    std::ifstream status("/proc/self/status");
    std::string line, out;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0 || line.rfind("VmHWM:", 0) == 0) {
            out += line.substr(0, 6) + line.substr(line.find_first_not_of(" \t", 6)) + "  ";
        }
    }
    return out;
}

TimePoint at(std::chrono::milliseconds ms) {
    return TimePoint(ms);
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Flags flags(argc, argv, {"file", "timers", "fire", "batch", "sync"});
    const auto file = flags.fresh_database("reglament-timers.db");
    const long timers = flags.number("timers", 1'000'000);
    const long fire = flags.number("fire", 10'000);
    const auto batch_size = static_cast<std::size_t>(flags.number("batch", 500));
    const SqliteOptions options = flags.options();

    // 11:00 on some day: `fire` timers fall due exactly then, the rest over the next 30 days.
    const auto eleven = std::chrono::milliseconds(1'764'057'600'000);
    const auto month = std::chrono::milliseconds(30LL * 24 * 3600 * 1000);
    {
        SqliteStore store(file, options);
        const auto start = Steady::now();
        constexpr long kPerTransaction = 10'000;
        for (long base = 0; base < timers; base += kPerTransaction) {
            EngineCommit work;
            for (long i = base; i < std::min(timers, base + kPerTransaction); ++i) {
                const auto due =
                    i < fire ? eleven
                             : eleven + std::chrono::milliseconds(1 + (i * 7919) % month.count());
                work.timer_upserts.push_back(
                    {"L4", "lead:" + std::to_string(i), "first-call", at(due), R"({"step":1})"});
            }
            store.commit(work);
        }
        const double insert = seconds_since(start);
        std::printf("insert  %ld timers: %.2f s (%.0f/s, %ld per transaction)\n", timers, insert,
                    static_cast<double>(timers) / insert, kPerTransaction);
    }
    std::printf("file    %.1f MiB\n",
                static_cast<double>(std::filesystem::file_size(file)) / (1024.0 * 1024.0));

    auto start = Steady::now();
    SqliteStore store(file, options);
    const auto earliest = store.earliest_due();
    std::printf("reopen  open + migrations check + earliest due: %.3f s  %s\n",
                seconds_since(start), memory().c_str());
    if (!earliest || *earliest != at(eleven)) {
        std::fprintf(stderr, "unexpected earliest due\n");
        return 1;
    }

    start = Steady::now();
    const auto count = store.timer_count();
    std::printf("count   %lld timers: %.3f s\n", static_cast<long long>(count),
                seconds_since(start));

    // The scheduler fires in bounded batches so intake (which shares the one writer) waits at
    // most one batch: report the longest batch, i.e. the worst stall an HTTP ack sees.
    std::size_t fired = 0;
    double longest = 0;
    start = Steady::now();
    for (;;) {
        const auto batch_start = Steady::now();
        const auto batch = store.take_due(at(eleven), batch_size);
        longest = std::max(longest, seconds_since(batch_start));
        if (batch.empty()) break;
        fired += batch.size();
    }
    std::printf(
        "fire    %zu due at once, take_due batches of %zu: %.3f s, longest batch %.4f s  %s\n",
        fired, batch_size, seconds_since(start), longest, memory().c_str());
    return fired == static_cast<std::size_t>(std::min(fire, timers)) ? 0 : 1;
}
