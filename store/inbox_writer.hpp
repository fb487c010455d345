// Group commit for intake. HTTP handlers on any thread submit an event with a callback; one
// thread takes everything queued (up to max_batch), appends it in ONE transaction, then calls
// each callback with its outcome. The daemon answers 200 only inside the callback, so an
// acknowledged event is durable, and under load one fsync covers many events.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace reglament::store {

class InboxWriter {
  public:
    struct Result {
        bool committed = false;  // false: not stored (error holds why); answer 503
        AppendResult append;     // inserted or duplicate; both mean "durable, answer 200"
        std::string error;
    };
    // Called on the writer thread: keep it short (post the answer to the connection's executor)
    // and do not throw (an exception ends the process: other senders would wait forever).
    using Callback = std::function<void(const Result&)>;

    struct Options {
        std::size_t max_batch = 1000;
        // Called on the writer thread after each committed batch (e.g. to wake the engine).
        std::function<void()> after_batch;
        // Runs a batch's callbacks, given as one function that must be called exactly once,
        // on whatever thread it chooses (the daemon: a webhook thread, so answering a batch of
        // 50 is one hand-off, not 50). Unset: they run on the writer thread.
        std::function<void(std::function<void()>)> deliver;
    };

    InboxWriter(Store& store, Options options);
    explicit InboxWriter(Store& store) : InboxWriter(store, Options{}) {}
    // Flushes what is queued, then stops.
    ~InboxWriter();
    InboxWriter(const InboxWriter&) = delete;
    InboxWriter& operator=(const InboxWriter&) = delete;

    // Thread-safe. After stop() the callback is called at once with committed = false.
    void submit(InboxEvent event, Callback callback);
    // Commits everything submitted so far, then joins the thread. Idempotent.
    void stop();

    // Transactions committed and events stored so far (for metrics and tests).
    std::uint64_t batches_committed() const;
    std::uint64_t events_committed() const;
    // Why the latest batch could not be committed at all (disk full, damaged file), or empty
    // once a batch commits again: while set, webhooks are answered 503 (health).
    std::string failing() const;

  private:
    struct Item {
        InboxEvent event;
        Callback callback;
    };
    void run();
    void write_batch(std::vector<Item>& batch);

    Store& store_;
    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Item> queue_;
    bool stopping_ = false;
    std::uint64_t batches_ = 0;
    std::uint64_t events_ = 0;
    std::string failing_;
    std::thread thread_;
};

}  // namespace reglament::store
