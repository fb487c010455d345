#include "daemon/outbox_worker.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"
#include "daemon/duplicate_lookup.hpp"
#include "wazzup/client.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

struct OutboxWorker::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    store::Store& store;
    const Clock& clock;
    bitrix::Client& bitrix;
    wazzup::Client* wazzup;
    PlanSettings settings;
    OutboxOptions options;
    OutboxObserver observer;
    asio::steady_timer tick;
    std::atomic<bool> running{false};
    std::atomic<std::size_t> busy{0};
    bool pump_posted = false;  // io thread only

    Impl(asio::io_context& io_, store::Store& store_, const Clock& clock_, bitrix::Client& b,
         wazzup::Client* w, PlanSettings s, OutboxOptions o, OutboxObserver obs)
        : io(io_),
          store(store_),
          clock(clock_),
          bitrix(b),
          wazzup(w),
          settings(std::move(s)),
          options(o),
          observer(std::move(obs)),
          tick(io_) {}

    // ---- taking rows ----

    void schedule_pump() {
        if (pump_posted) return;
        pump_posted = true;
        asio::post(io, [self = shared_from_this()] {
            self->pump_posted = false;
            self->pump();
        });
    }

    void pump() {
        if (!running) return;
        try {
            while (busy < options.max_in_flight) {
                auto rows = store.next_ready(clock.now(), options.max_in_flight - busy);
                if (rows.empty()) break;
                for (auto& row : rows) {
                    store.mark_action_in_flight(row.id);
                    ++busy;
                    execute(std::move(row));
                }
            }
        } catch (const std::exception& e) {
            spdlog::error("outbox: cannot take actions: {}", e.what());
        }
    }

    void arm_tick() {
        tick.expires_after(options.tick);
        tick.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->running) return;
            self->pump();
            self->arm_tick();
        });
    }

    // ---- outcomes ----

    store::JournalEntry journal_line(const store::StoredAction& row, std::string result) const {
        store::JournalEntry e;
        e.time = clock.now();
        e.rule_id = row.action.rule_id;
        e.entity_key = row.action.entity_key;
        e.action = row.action.kind;
        e.reason = action_reason(row.action);
        e.result = std::move(result);
        return e;
    }

    // Every outcome goes through here: the store call, the observer, the next rows. A store
    // failure leaves the row in flight; the next start turns it into an unknown one.
    template <class Record>
    void finish(const store::StoredAction& row, std::string_view outcome, Record record) {
        try {
            record();
        } catch (const std::exception& e) {
            spdlog::error("outbox: cannot record {} of action {} ({}): {}", outcome, row.id,
                          row.action.kind, e.what());
        }
        if (observer) observer(row, outcome);
        --busy;
        schedule_pump();
    }

    void done(const store::StoredAction& row, const json& result, std::string summary) {
        finish(row, "done", [&] {
            auto line = journal_line(row, std::move(summary));
            store.mark_action_done(row.id, result.dump(), {&line, 1});
        });
    }

    void failed(const store::StoredAction& row, const std::string& error) {
        spdlog::warn("outbox: action {} {} for {} failed: {}", row.id, row.action.kind,
                     row.action.entity_key, error);
        finish(row, "failed", [&] {
            auto line = journal_line(row, "failed: " + error);
            store.mark_action_failed(row.id, error, {&line, 1});
        });
    }

    void retry(const store::StoredAction& row, const std::string& error,
               std::chrono::milliseconds at_least = {}) {
        auto wait = std::max(backoff_after(row.attempts + 1, options.backoff), at_least);
        spdlog::info("outbox: action {} {} retries in {} ms: {}", row.id, row.action.kind,
                     wait.count(), error);
        finish(row, "retry", [&] { store.retry_action_at(row.id, clock.now() + wait, error); });
    }

    void unknown(const store::StoredAction& row, const std::string& error) {
        auto wait = backoff_after(row.attempts + 1, options.backoff);
        spdlog::warn("outbox: action {} {} may have run ({}); looked up in {} ms", row.id,
                     row.action.kind, error, wait.count());
        finish(row, "unknown",
               [&] { store.mark_action_unknown(row.id, clock.now() + wait, error); });
    }

    void bitrix_failure(const store::StoredAction& row, const bitrix::Error& error) {
        switch (recovery_for(error)) {
            case Recovery::unknown:
                return unknown(row, error.to_string());
            case Recovery::retry:
                return retry(row, error.to_string());
            case Recovery::fail:
                return failed(row, error.to_string());
        }
    }

    // ---- carrying out a plan ----

    void execute(store::StoredAction row) {
        ActionPlan plan = plan_action(row.action, settings);
        switch (plan.kind) {
            case PlanKind::invalid:
                return failed(row, plan.error);
            case PlanKind::journal:
                return done(row, json{{"note", plan.note}}, "noted: " + plan.note);
            case PlanKind::wazzup:
                return send(std::move(row), std::move(plan));
            case PlanKind::duplicates:
                return search_duplicates(std::move(row), plan.params);
            case PlanKind::bitrix:
                break;
        }
        auto shared_plan = std::make_shared<ActionPlan>(std::move(plan));
        // An earlier attempt of a create may have reached the portal (it was interrupted, lost
        // its answer, or failed after the create): look for it first.
        if (shared_plan->lookup && row.attempts > 0) return look_up(std::move(row), shared_plan);
        call(std::move(row), shared_plan, 0, {}, json::array(), false);
    }

    // Completions are posted back to the io_context, whatever thread the client uses.
    template <class F>
    auto on_io(F f) {
        return [self = shared_from_this(), f = std::move(f)](auto value) mutable {
            asio::post(self->io, [f = std::move(f), value = std::move(value)]() mutable {
                f(std::move(value));
            });
        };
    }

    void look_up(store::StoredAction row, std::shared_ptr<ActionPlan> plan) {
        const Lookup& l = *plan->lookup;
        bitrix.call(l.call.method, l.call.params, l.call.idempotency,
                    on_io([self = shared_from_this(), row = std::move(row),
                           plan](bitrix::Result r) mutable {
                        if (!r.ok()) return self->bitrix_failure(row, *r.error);
                        auto found = find_tagged(*plan->lookup, r.result);
                        if (!found)
                            return self->call(std::move(row), plan, 0, {}, json::array(), false);
                        spdlog::info("outbox: action {} {} found at the portal as {}", row.id,
                                     row.action.kind, *found);
                        json calls = json::array(
                            {{{"method", plan->lookup->call.method}, {"found", *found}}});
                        self->call(std::move(row), plan, 1, *found, std::move(calls), true);
                    }));
    }

    void call(store::StoredAction row, std::shared_ptr<ActionPlan> plan, std::size_t index,
              std::string created, json results, bool found) {
        if (index >= plan->calls.size()) {
            std::string summary = "done";
            if (!created.empty()) summary += " id=" + created;
            if (found) summary += " (found by lookup)";
            json result = {{"calls", std::move(results)}, {"found_by_lookup", found}};
            if (!created.empty()) result["created_id"] = created;
            return done(row, result, summary);
        }
        BitrixCall c = plan->calls[index];
        if (c.id_param) {
            if (created.empty())
                return failed(row, c.method + ": the create returned no id to use");
            c = with_created_id(std::move(c), created);
        }
        std::string method = c.method;
        bitrix.call(std::move(c.method), std::move(c.params), c.idempotency,
                    on_io([self = shared_from_this(), row = std::move(row), plan, index,
                           created = std::move(created), results = std::move(results), found,
                           method](bitrix::Result r) mutable {
                        if (!r.ok()) return self->bitrix_failure(row, *r.error);
                        if (index == 0) created = created_id(method, r.result);
                        results.push_back({{"method", method}, {"result", r.result}});
                        self->call(std::move(row), plan, index + 1, std::move(created),
                                   std::move(results), found);
                    }));
    }

    // Runs reads one after the other; `done` gets their results, in order.
    void read_all(store::StoredAction row, std::shared_ptr<std::vector<BitrixCall>> calls,
                  std::vector<json> results,
                  std::function<void(store::StoredAction, std::vector<json>)> done) {
        if (results.size() >= calls->size()) return done(std::move(row), std::move(results));
        const BitrixCall& c = (*calls)[results.size()];
        bitrix.call(
            c.method, c.params, c.idempotency,
            on_io([self = shared_from_this(), row = std::move(row), calls,
                   results = std::move(results), done = std::move(done)](bitrix::Result r) mutable {
                if (!r.ok()) return self->bitrix_failure(row, *r.error);
                results.push_back(std::move(r.result));
                self->read_all(std::move(row), calls, std::move(results), std::move(done));
            }));
    }

    void search_duplicates(store::StoredAction row, json params) {
        auto searches = std::make_shared<std::vector<BitrixCall>>(duplicate_searches(params));
        read_all(
            std::move(row), searches, {},
            [self = shared_from_this(), params](store::StoredAction row, std::vector<json> found) {
                FoundIds ids = found_ids(found);
                auto reads = std::make_shared<std::vector<BitrixCall>>(duplicate_reads(ids));
                self->read_all(
                    std::move(row), reads, {},
                    [self, params, ids](store::StoredAction row, std::vector<json> read) {
                        self->answer_duplicates(
                            row, duplicate_answer(ids, read, params, self->settings.user_names));
                    });
            });
    }

    // The answer goes to the inbox before the row is done: a crash in between repeats the
    // reads, and the dedup key keeps the answer single.
    void answer_duplicates(const store::StoredAction& row, const json& result) {
        store::InboxEvent event;
        event.source = "outbox";
        event.kind = "lookup.duplicates";
        event.entity_key = row.action.entity_key;
        event.dedup_key = "lookup.duplicates:" + row.action.idempotency_key;
        event.payload = json{{"rule_id", row.action.rule_id}, {"result", result}}.dump();
        event.received_at = clock.now();
        try {
            store.append_events({&event, 1});
        } catch (const std::exception& e) {
            return retry(row, std::string("cannot store the answer: ") + e.what());
        }
        done(row, result, std::to_string(result["hits"].size()) + " duplicate(s) found");
    }

    void send(store::StoredAction row, ActionPlan plan) {
        if (plan.skip) return done(row, json{{"skipped", true}}, "skipped: empty template");
        if (!wazzup) return failed(row, "Wazzup is not configured");
        wazzup->send(
            std::move(plan.message),
            on_io([self = shared_from_this(), row = std::move(row)](
                      wazzup::SendOutcome outcome) mutable { self->on_sent(row, outcome); }));
    }

    void on_sent(const store::StoredAction& row, const wazzup::SendOutcome& outcome) {
        if (auto* sent = std::get_if<wazzup::Sent>(&outcome)) {
            // Wazzup's later statuses name only the message: the engine finds the rule's
            // entity by it (a "no WhatsApp" error comes that way, engine_step.hpp).
            try {
                // "at": retention forgets the mark after [store] keep_marks_days.
                store.put_kv("wazzup.sent:" + sent->message_id,
                             json{{"entity_key", row.action.entity_key},
                                  {"rule_id", row.action.rule_id},
                                  {"at", std::chrono::duration_cast<std::chrono::milliseconds>(
                                             clock.now().time_since_epoch())
                                             .count()}}
                                 .dump());
            } catch (const std::exception& e) {
                spdlog::warn("outbox: cannot remember message {}: {}", sent->message_id, e.what());
            }
            return done(row, json{{"message_id", sent->message_id}, {"chat_id", sent->chat_id}},
                        wazzup::describe(outcome));
        }
        if (std::holds_alternative<wazzup::AlreadySent>(outcome))
            return done(row, json{{"already_sent", true}}, wazzup::describe(outcome));
        if (auto* later = std::get_if<wazzup::RetryAfter>(&outcome))
            return retry(row, later->reason, later->delay);
        const auto& error = std::get<wazzup::FinalError>(outcome);
        tell_rule(row, error);
        failed(row, wazzup::describe(outcome));
    }

    // Before the row is marked failed: a crash in between repeats the send, which fails the
    // same way, and the event's dedup key keeps it single.
    void tell_rule(const store::StoredAction& row, const wazzup::FinalError& error) {
        store::InboxEvent event;
        event.source = "wazzup";
        event.kind = "wazzup.send_failed";
        event.entity_key = row.action.entity_key;
        event.dedup_key = "wazzup.send_failed:" + row.action.idempotency_key;
        event.payload = json{{"rule_id", row.action.rule_id},
                             {"action_key", row.action.idempotency_key},
                             {"code", error.code},
                             {"description", error.description},
                             {"http_status", error.http_status},
                             {"no_whatsapp", error.no_whatsapp},
                             {"channel_state", error.channel_state}}
                            .dump();
        event.received_at = clock.now();
        try {
            store.append_events({&event, 1});
        } catch (const std::exception& e) {
            spdlog::error("outbox: cannot record the failed send of action {}: {}", row.id,
                          e.what());
        }
    }
};

OutboxWorker::OutboxWorker(boost::asio::io_context& io, store::Store& store, const Clock& clock,
                           bitrix::Client& bitrix, wazzup::Client* wazzup, PlanSettings settings,
                           OutboxOptions options, OutboxObserver observer)
    : impl_(std::make_shared<Impl>(io, store, clock, bitrix, wazzup, std::move(settings), options,
                                   std::move(observer))) {}

OutboxWorker::~OutboxWorker() {
    stop();
}

std::int64_t OutboxWorker::start() {
    std::int64_t interrupted = impl_->store.mark_interrupted_actions_unknown();
    if (interrupted > 0)
        spdlog::warn("outbox: {} actions were interrupted; they are looked up before a retry",
                     interrupted);
    impl_->running = true;
    asio::post(impl_->io, [impl = impl_] {
        impl->pump();
        impl->arm_tick();
    });
    return interrupted;
}

void OutboxWorker::stop() {
    if (!impl_->running.exchange(false)) return;
    asio::post(impl_->io, [impl = impl_] { impl->tick.cancel(); });
}

void OutboxWorker::wake() {
    asio::post(impl_->io, [impl = impl_] { impl->pump(); });
}

std::size_t OutboxWorker::in_flight() const {
    return impl_->busy;
}

}  // namespace reglament::daemon
