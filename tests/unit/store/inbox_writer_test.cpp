#include <catch2/catch.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <thread>

#include "store/inbox_writer.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace inbox_writer_test {

using namespace reglament::store;
using reglament::store::testing::at_ms;
using reglament::store::testing::TempDir;

namespace {

InboxEvent event_number(int i) {
    return {"bitrix",
            "b:" + std::to_string(i),
            "lead:" + std::to_string(i % 37),
            "ONCRMLEADUPDATE",
            "{}",
            at_ms(1000)};
}

}  // namespace

TEST_CASE("inbox writer: 1000 events from four threads commit in at most two transactions",
          "[store][inbox_writer]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    InboxWriter writer(store);

    // The first callback holds the writer thread until every other event is queued, so the
    // rest must go in one batch: group commit, deterministically, without sleeping.
    std::latch all_queued(1);
    std::promise<void> first_done;
    writer.submit(event_number(0), [&](const InboxWriter::Result& r) {
        CHECK(r.committed);
        all_queued.wait();
        first_done.set_value();
    });

    std::mutex mutex;
    std::vector<InboxWriter::Result> results;
    std::latch all_answered(999);
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 1 + t; i < 1000; i += 4) {
                writer.submit(event_number(i), [&](const InboxWriter::Result& r) {
                    std::lock_guard guard(mutex);
                    results.push_back(r);
                    all_answered.count_down();
                });
            }
        });
    }
    for (auto& s : senders)
        s.join();
    all_queued.count_down();
    all_answered.wait();
    first_done.get_future().wait();

    // One when the writer picked everything up before the first callback, two otherwise.
    CHECK(writer.batches_committed() <= 2);
    CHECK(writer.events_committed() == 1000);
    for (const auto& r : results) {
        REQUIRE(r.committed);
        CHECK(r.append.outcome == AppendOutcome::inserted);
    }
    CHECK(store.metrics(at_ms(1000)).inbox_pending == 1000);
}

TEST_CASE("inbox writer: stopping flushes what was queued and refuses what comes after",
          "[store][inbox_writer]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    int committed = 0;  // callbacks run on the writer thread, joined by stop()
    {
        InboxWriter writer(store);
        for (int i = 0; i < 200; ++i) {
            writer.submit(event_number(i), [&](const InboxWriter::Result& r) {
                if (r.committed) ++committed;
            });
        }
        writer.stop();
        InboxWriter::Result late;
        writer.submit(event_number(500), [&](const InboxWriter::Result& r) { late = r; });
        CHECK_FALSE(late.committed);
        CHECK_THAT(late.error, Catch::Contains("shutting down"));
    }
    CHECK(committed == 200);
    CHECK(store.next_pending(1000).size() == 200);
}

TEST_CASE("inbox writer: duplicates are acknowledged as durable, failures are not",
          "[store][inbox_writer]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    InboxWriter writer(store);
    std::promise<InboxWriter::Result> first, repeat, broken;
    writer.submit(event_number(7), [&](const InboxWriter::Result& r) { first.set_value(r); });
    writer.submit(event_number(7), [&](const InboxWriter::Result& r) { repeat.set_value(r); });
    const auto a = first.get_future().get();
    const auto b = repeat.get_future().get();
    CHECK(a.committed);
    CHECK(a.append.outcome == AppendOutcome::inserted);
    CHECK(b.committed);
    CHECK(b.append.outcome == AppendOutcome::duplicate);

    auto bad = event_number(8);
    bad.entity_key.clear();
    writer.submit(bad, [&](const InboxWriter::Result& r) { broken.set_value(r); });
    const auto c = broken.get_future().get();
    CHECK_FALSE(c.committed);
    CHECK_THAT(c.error, Catch::Contains("entity_key is empty"));
}

TEST_CASE("inbox writer: an event the store refuses does not fail the rest of its batch",
          "[store][inbox_writer]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    InboxWriter writer(store);

    // Hold the writer thread in a callback so that the next three events form one batch.
    std::latch queued(1);
    std::promise<void> held;
    writer.submit(event_number(0), [&](const InboxWriter::Result&) {
        held.set_value();
        queued.wait();
    });
    held.get_future().wait();
    std::vector<std::promise<InboxWriter::Result>> answers(3);
    auto bad = event_number(2);
    bad.dedup_key.clear();
    const std::vector<InboxEvent> batch = {event_number(1), bad, event_number(3)};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        writer.submit(batch[i], [&, i](const InboxWriter::Result& r) { answers[i].set_value(r); });
    }
    queued.count_down();

    CHECK(answers[0].get_future().get().committed);
    CHECK_FALSE(answers[1].get_future().get().committed);
    CHECK(answers[2].get_future().get().committed);
    CHECK(writer.events_committed() == 3);
    CHECK(store.next_pending(10).size() == 3);
}

TEST_CASE("inbox writer: with a deliver hook a batch's answers travel as one call, in order",
          "[store][inbox_writer]") {
    TempDir dir;
    SqliteStore store(dir.file("state.db"));
    // The hook queues what it is given; this thread then runs it, as a webhook thread would.
    std::mutex mutex;
    std::condition_variable handed;
    std::vector<std::function<void()>> handed_over;
    std::latch queued(1);
    InboxWriter::Options options;
    options.deliver = [&](std::function<void()> answers) {
        bool first = false;
        {
            std::lock_guard guard(mutex);
            handed_over.push_back(std::move(answers));
            first = handed_over.size() == 1;
            handed.notify_one();
        }
        if (first) queued.wait();  // holds the writer until the next 50 are queued
    };
    InboxWriter writer(store, options);

    std::vector<int> answered;  // only touched on this thread
    std::vector<bool> committed;
    writer.submit(event_number(0), [&](const InboxWriter::Result& r) {
        answered.push_back(0);
        committed.push_back(r.committed);
    });
    {
        std::unique_lock lock(mutex);
        handed.wait(lock, [&] { return handed_over.size() == 1; });
    }
    for (int i = 1; i <= 50; ++i)
        writer.submit(event_number(i % 50), [&, i](const InboxWriter::Result& r) {
            answered.push_back(i);
            committed.push_back(r.committed &&
                                r.append.outcome ==
                                    (i == 50 ? AppendOutcome::duplicate : AppendOutcome::inserted));
        });
    queued.count_down();
    writer.stop();  // flushes: the 50 go in one batch behind the first

    REQUIRE(handed_over.size() == 2);  // two batches, two calls, however many events
    CHECK(answered.empty());           // nothing was answered on the writer's thread
    for (auto& answers : handed_over)
        answers();
    REQUIRE(answered.size() == 51);
    for (int i = 0; i <= 50; ++i) {
        CHECK(answered[static_cast<std::size_t>(i)] == i);
        CHECK(committed[static_cast<std::size_t>(i)]);
    }
}

}  // namespace inbox_writer_test
