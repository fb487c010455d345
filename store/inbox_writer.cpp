#include "store/inbox_writer.hpp"

#include <exception>
#include <iterator>
#include <memory>
#include <vector>

namespace reglament::store {

InboxWriter::InboxWriter(Store& store, Options options)
    : store_(store), options_(std::move(options)) {
    if (options_.max_batch == 0) options_.max_batch = 1;
    thread_ = std::thread([this] { run(); });
}

InboxWriter::~InboxWriter() {
    stop();
}

void InboxWriter::submit(InboxEvent event, Callback callback) {
    {
        std::lock_guard guard(mutex_);
        if (!stopping_) {
            queue_.push_back({std::move(event), std::move(callback)});
            wake_.notify_one();
            return;
        }
    }
    Result refused;
    refused.error = "inbox writer is shutting down";
    callback(refused);
}

void InboxWriter::stop() {
    {
        std::lock_guard guard(mutex_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

std::uint64_t InboxWriter::batches_committed() const {
    std::lock_guard guard(mutex_);
    return batches_;
}

std::uint64_t InboxWriter::events_committed() const {
    std::lock_guard guard(mutex_);
    return events_;
}

std::string InboxWriter::failing() const {
    std::lock_guard guard(mutex_);
    return failing_;
}

void InboxWriter::run() {
    std::vector<Item> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything is flushed
            // No waiting for more: while one transaction fsyncs, the next batch queues up,
            // so batches grow with load by themselves.
            if (queue_.size() <= options_.max_batch) {
                batch.swap(queue_);
            } else {
                auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
                batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
                queue_.erase(queue_.begin(), end);
            }
        }
        write_batch(batch);
        batch.clear();
    }
}

void InboxWriter::write_batch(std::vector<Item>& batch) {
    std::vector<InboxEvent> events;
    events.reserve(batch.size());
    for (auto& item : batch)
        events.push_back(std::move(item.event));

    std::vector<Result> results(batch.size());
    std::uint64_t transactions = 0;
    try {
        const auto appended = store_.append_events(events);
        for (std::size_t i = 0; i < results.size(); ++i)
            results[i] = {true, appended[i], {}};
        transactions = 1;
    } catch (const std::exception& e) {
        // One event the store refuses must not fail its neighbours: retry each on its own.
        // (When the disk is full or gone they all fail again, with their own error.)
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (results.size() == 1) {
                results[i].error = e.what();
                break;
            }
            try {
                results[i] = {true, store_.append_events(std::span(&events[i], 1)).at(0), {}};
                ++transactions;
            } catch (const std::exception& single) {
                results[i].error = single.what();
            }
        }
    }
    {
        std::lock_guard guard(mutex_);
        batches_ += transactions;
        for (const auto& r : results)
            events_ += r.committed ? 1 : 0;
        // One refused event among committed ones is that event's problem, not the store's.
        if (transactions > 0)
            failing_.clear();
        else if (!results.empty())
            failing_ = results.front().error;
    }
    if (options_.deliver) {
        // The events themselves are not needed any more: only the callbacks travel.
        std::vector<Callback> callbacks;
        callbacks.reserve(batch.size());
        for (auto& item : batch)
            callbacks.push_back(std::move(item.callback));
        auto answers = std::make_shared<std::pair<std::vector<Callback>, std::vector<Result>>>(
            std::move(callbacks), std::move(results));
        options_.deliver([answers] {
            auto& [to, with] = *answers;
            for (std::size_t i = 0; i < to.size(); ++i)
                to[i](with[i]);
        });
    } else {
        for (std::size_t i = 0; i < batch.size(); ++i)
            batch[i].callback(results[i]);
    }
    if (transactions > 0 && options_.after_batch) options_.after_batch();
}

}  // namespace reglament::store
