#include "daemon/outbox_worker.hpp"

#include <exception>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"
#include "daemon/duplicate_lookup.hpp"
#include "daemon/portal_auth.hpp"
#include "wazzup/client.hpp"
#include "wazzup/unknown_send.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// An action whose carrying out throws (a bug, hostile stored params) is parked after this
// many attempts; what the portal refuses is parked at once, as before.
constexpr int kActionParkAfterAttempts = 5;
// While the portal rejects the credentials, one probe per this long (a reload resumes at once).
constexpr auto kActionAuthProbe = std::chrono::seconds(10);

}  // namespace

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
    // io thread only: the portal rejected the credentials; no rows are taken before this.
    std::chrono::steady_clock::time_point paused_until{};

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
        if (std::chrono::steady_clock::now() < paused_until) return;
        try {
            while (busy < options.max_in_flight) {
                auto rows = store.next_ready(clock.now(), options.max_in_flight - busy);
                if (rows.empty()) break;
                for (auto& row : rows) {
                    store.mark_action_in_flight(row.id);
                    ++busy;
                    execute_guarded(std::move(row));
                }
                if (std::chrono::steady_clock::now() < paused_until) break;
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

    // A bug or hostile stored params must neither abort the daemon nor leave the row in
    // flight for ever: the row fails this attempt, and after kActionParkAfterAttempts it is parked.
    void crashed(const store::StoredAction& row, const std::exception& e) {
        std::string why = std::string("cannot carry out the action: ") + e.what();
        if (row.attempts + 1 >= kActionParkAfterAttempts) return failed(row, why);
        retry(row, why);
    }

    void execute_guarded(store::StoredAction row) {
        auto copy = row;
        try {
            execute(std::move(row));
        } catch (const std::exception& e) {
            crashed(copy, e);
        }
    }

    // 401: nothing this daemon sends can work until the admin reloads with the new secret.
    // The row goes back to pending, due at once, with no failure counted; the worker stops
    // taking rows and probes once per kActionAuthProbe until resume().
    void auth_rejected(const store::StoredAction& row, const bitrix::Error& error) {
        if (options.auth) options.auth->rejected(error);
        paused_until = std::chrono::steady_clock::now() + kActionAuthProbe;
        finish(row, "retry", [&] {
            store.retry_action_at(row.id, clock.now(),
                                  "waiting for valid portal credentials: " + error.to_string());
        });
    }

    void bitrix_ok() {
        if (options.auth) options.auth->accepted();
    }

    void bitrix_failure(const store::StoredAction& row, const bitrix::Error& error) {
        if (bitrix::fault_of(error) == bitrix::Fault::auth_rejected)
            return auth_rejected(row, error);
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

    // Completions are posted back to the io_context, whatever thread the client uses. An
    // exception out of one (an odd answer) fails the row's attempt, never the daemon.
    template <class F>
    auto on_io(const store::StoredAction& row, F f) {
        return [self = shared_from_this(), row, f = std::move(f)](auto value) mutable {
            asio::post(self->io, [self, row = std::move(row), f = std::move(f),
                                  value = std::move(value)]() mutable {
                try {
                    f(std::move(value));
                } catch (const std::exception& e) {
                    self->crashed(row, e);
                }
            });
        };
    }

    void look_up(store::StoredAction row, std::shared_ptr<ActionPlan> plan) {
        const Lookup& l = *plan->lookup;
        bitrix.call(
            l.call.method, l.call.params, l.call.idempotency,
            on_io(row, [self = shared_from_this(), row = row, plan](bitrix::Result r) mutable {
                if (!r.ok()) return self->bitrix_failure(row, *r.error);
                self->bitrix_ok();
                auto found = find_tagged(*plan->lookup, r.result);
                if (!found) return self->call(std::move(row), plan, 0, {}, json::array(), false);
                spdlog::info("outbox: action {} {} found at the portal as {}", row.id,
                             row.action.kind, *found);
                json calls =
                    json::array({{{"method", plan->lookup->call.method}, {"found", *found}}});
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
                    on_io(row, [self = shared_from_this(), row = row, plan, index,
                                created = std::move(created), results = std::move(results), found,
                                method](bitrix::Result r) mutable {
                        if (!r.ok()) return self->bitrix_failure(row, *r.error);
                        self->bitrix_ok();
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
            on_io(row, [self = shared_from_this(), row = row, calls, results = std::move(results),
                        done = std::move(done)](bitrix::Result r) mutable {
                if (!r.ok()) return self->bitrix_failure(row, *r.error);
                self->bitrix_ok();
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

    // ---- Wazzup: at most once (wazzup/unknown_send.hpp) ----

    // What the outbox keeps about a send between attempts and restarts (kv
    // "wazzup.attempt:<idempotency key>"): when it was first tried, and whether an attempt may
    // have reached Wazzup without an answer. The engine finds the send by its fingerprint
    // (kv "wazzup.sending:<fingerprint>") when the echo comes.
    struct SendRecord {
        TimePoint first_at{};
        bool unsure = false;
    };

    // The regulation's name of the template, for the manager's notice.
    static std::string template_of(const store::StoredAction& row) {
        json p = json::parse(row.action.payload, nullptr, false);
        if (!p.is_object() || !p.contains("params") || !p["params"].is_object()) return {};
        const json& t = p["params"].value("template", json());
        return t.is_string() ? t.get<std::string>() : std::string();
    }

    static std::string attempt_key(const store::StoredAction& row) {
        return "wazzup.attempt:" + row.action.idempotency_key;
    }

    static std::int64_t ms(TimePoint t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    }

    std::optional<SendRecord> send_record(const store::StoredAction& row) {
        auto text = store.get_kv(attempt_key(row));
        if (!text) return std::nullopt;
        json j = json::parse(*text, nullptr, false);
        if (!j.is_object() || !j.contains("first_at") || !j["first_at"].is_number_integer())
            return std::nullopt;
        SendRecord r;
        r.first_at = TimePoint(std::chrono::milliseconds(j["first_at"].get<std::int64_t>()));
        r.unsure = j.value("unsure", false);
        return r;
    }

    void put_send_record(const store::StoredAction& row, const SendRecord& r) {
        store.put_kv(attempt_key(row),
                     json{{"first_at", ms(r.first_at)}, {"unsure", r.unsure}}.dump());
    }

    void send(store::StoredAction row, ActionPlan plan) {
        if (plan.skip) return done(row, json{{"skipped", true}}, "skipped: empty template");
        if (!wazzup) return failed(row, "Wazzup is not configured");
        const auto& m = plan.message;
        const std::string fingerprint = wazzup::echo_fingerprint(
            m.channel_id, m.chat_id, m.content.text, m.content.is_template());
        std::optional<SendRecord> record;
        try {
            record = send_record(row);
            if (!record) {
                // Before the first request: a crash after it leaves the time behind. A row
                // interrupted before this version kept none: its creation is the earliest
                // moment it can have gone, which errs towards not sending again.
                record = SendRecord{row.attempts > 0 || row.status == store::ActionStatus::unknown
                                        ? row.action.created_at
                                        : clock.now(),
                                    row.status == store::ActionStatus::unknown};
                put_send_record(row, *record);
                store.put_kv("wazzup.sending:" + fingerprint,
                             json{{"entity_key", row.action.entity_key},
                                  {"rule_id", row.action.rule_id},
                                  {"template", template_of(row)},
                                  {"action_key", row.action.idempotency_key},
                                  {"first_at", ms(record->first_at)}}
                                 .dump());
            } else if (row.status == store::ActionStatus::unknown && !record->unsure) {
                record->unsure = true;  // interrupted in flight: the store said so at start
                put_send_record(row, *record);
            }
        } catch (const std::exception& e) {
            return retry(row, std::string("cannot record the send: ") + e.what());
        }
        if (record->unsure) {
            std::optional<TimePoint> echo_at;
            std::string echo_id;
            try {
                if (auto echo = store.get_kv("wazzup.echo:" + fingerprint)) {
                    json j = json::parse(*echo, nullptr, false);
                    if (j.is_object() && j.contains("at") && j["at"].is_number_integer()) {
                        echo_at = TimePoint(std::chrono::milliseconds(j["at"].get<std::int64_t>()));
                        echo_id = j.value("message_id", "");
                    }
                }
            } catch (const std::exception& e) {
                return unknown_until(row, clock.now() + std::chrono::seconds(5),
                                     std::string("cannot read the echo: ") + e.what());
            }
            auto decision = wazzup::decide_unknown_send(record->first_at, echo_at, clock.now());
            switch (decision.step) {
                case wazzup::UnknownSendStep::sent:
                    return done(row, json{{"already_sent", true}, {"message_id", echo_id}},
                                "sent (its echo came back, messageId " +
                                    (echo_id.empty() ? std::string("unknown") : echo_id) + ")");
                case wazzup::UnknownSendStep::wait:
                    return unknown_until(row, decision.look_again,
                                         "no answer from Wazzup; waiting for the echo");
                case wazzup::UnknownSendStep::give_up:
                    return give_up(row);
                case wazzup::UnknownSendStep::resend:
                    break;  // inside the dedupe window: the same crmMessageId is safe
            }
        }
        wazzup->send(
            std::move(plan.message),
            on_io(row, [self = shared_from_this(), row = row](wazzup::SendOutcome outcome) mutable {
                self->on_sent(row, outcome);
            }));
    }

    // The send may have reached the client: it is never tried blindly again.
    void unknown_until(const store::StoredAction& row, TimePoint when, const std::string& why) {
        spdlog::warn("outbox: action {} {} for {}: {}; looked at again at {} ms", row.id,
                     row.action.kind, row.action.entity_key, why, ms(when));
        finish(row, "unknown", [&] { store.mark_action_unknown(row.id, when, why); });
    }

    void give_up(const store::StoredAction& row) {
        wazzup::FinalError error;
        error.code = "OUTCOME_UNKNOWN";
        error.description =
            "Wazzup never answered and no echo came back: the message may or may not have "
            "reached the client; it is not sent again";
        tell_rule(row, error);
        failed(row, "outcome unknown (" + error.code + "): " + error.description);
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
                                  {"template", template_of(row)},
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
        if (auto* later = std::get_if<wazzup::RetryAfter>(&outcome)) {
            if (!later->may_have_been_sent) return retry(row, later->reason, later->delay);
            // The request left and no answer came (the client gave up inside the 60 s window,
            // or stopped): from now on only the echo or the window decides (send() above).
            try {
                auto record = send_record(row).value_or(SendRecord{clock.now(), true});
                record.unsure = true;
                put_send_record(row, record);
            } catch (const std::exception& e) {
                spdlog::error("outbox: cannot record the unsure send of action {}: {}", row.id,
                              e.what());
            }
            return unknown_until(row, clock.now() + std::chrono::seconds(5), later->reason);
        }
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
        event.payload =
            json{{"rule_id", row.action.rule_id},    {"action_key", row.action.idempotency_key},
                 {"template", template_of(row)},     {"code", error.code},
                 {"description", error.description}, {"http_status", error.http_status},
                 {"no_whatsapp", error.no_whatsapp}, {"channel_state", error.channel_state}}
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

void OutboxWorker::resume() {
    asio::post(impl_->io, [impl = impl_] {
        impl->paused_until = {};
        impl->pump();
    });
}

std::size_t OutboxWorker::in_flight() const {
    return impl_->busy;
}

}  // namespace reglament::daemon
