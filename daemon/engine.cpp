#include "daemon/engine.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"
#include "daemon/call_log.hpp"
#include "daemon/call_target.hpp"
#include "daemon/deal_comments.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/portal_auth.hpp"
#include "daemon/stage_history.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr int kParkAfterAttempts = 5;
// While the portal rejects the credentials, one probe per this long (a reload wakes at once).
constexpr auto kAuthProbe = std::chrono::seconds(10);
constexpr const char* kLastSweepKey = "engine:last_sweep";
constexpr const char* kLastCallPruneKey = "engine:last_call_prune";
constexpr auto kCallPruneInterval = std::chrono::hours(24);
constexpr const char* kLastRetentionKey = "engine:last_retention";
constexpr auto kRetentionInterval = std::chrono::hours(24);
constexpr std::size_t kSweepChunk = 500;  // entities per sweep commit

bool contains_ci(std::string_view text, std::string_view word) {
    auto it = std::search(text.begin(), text.end(), word.begin(), word.end(),
                          [](char a, char b) { return std::tolower(a) == std::tolower(b); });
    return it != text.end();
}

// crm.lead.get of a deleted lead: NOT_FOUND, or "" with "Not found" (bitrix24.md §1);
// tasks.task.get of a deleted task: a 4xx whose description says so.
bool means_gone(const bitrix::Error& e) {
    if (e.is("NOT_FOUND")) return true;
    return e.http_status >= 400 && e.http_status < 500 && contains_ci(e.description, "not found");
}

// A failed read's fault; a 4xx that means "gone" is no failure at all (means_gone first).
bitrix::Fault fault(const bitrix::Error& e) {
    return bitrix::fault_of(e);
}

// Backoff of one event or entity after `n` failures in a row: 1 s doubling to 10 s.
std::chrono::milliseconds retry_delay(int n) {
    auto d = std::chrono::milliseconds(1000) * (1 << std::clamp(n - 1, 0, 4));
    return std::min<std::chrono::milliseconds>(d, std::chrono::seconds(10));
}

// Retry times are system time, not the engine's clock: a manual clock may stand still.
TimePoint system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

// A thrown exception, or an error made up for one, becomes the event's reason.
bitrix::Error unreadable(const std::string& what) {
    return bitrix::Error{"UNREADABLE_ENTITY", what, 0};
}

}  // namespace

struct Engine::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    store::Store& store;
    bitrix::Client& bitrix;
    const Clock& clock;
    const rules::World& world;
    EngineOptions options;
    EngineHooks hooks;
    PortalAuth* auth = nullptr;
    asio::steady_timer ticker;

    std::mutex rules_mutex;
    std::shared_ptr<const RuleSet> rules;

    std::atomic<bool> running{false};
    std::atomic<bool> wake_posted{false};
    std::atomic<bool> sweep_requested{false};
    std::atomic<std::chrono::steady_clock::rep> progress_at{0};
    bool busy = false;   // io thread only: a step is reading or deciding
    bool again = false;  // io thread only: woken while busy
    int failure_streak = 0;
    std::chrono::steady_clock::time_point backoff_until{};
    // Transient read failures in a row, per entity (io thread only): each entity waits its
    // own backoff, the others go on at full speed.
    std::map<std::string, int> entity_streaks;
    // Failed attempts of this step (io thread only), recorded in one transaction.
    std::vector<store::EventFailure> failures;
    std::vector<store::JournalEntry> failure_lines;
    std::set<std::string> streaked;  // entities whose streak this step already counted

    // A retention round in progress (io thread only); its cutoffs are those of its start.
    struct Retention {
        TimePoint started;
        TimePoint events_before;
        TimePoint journal_before;
        TimePoint snapshots_before;
        TimePoint marks_before;
        bool events_finished = false;
        bool journal_finished = false;
        bool snapshots_finished = false;
        std::int64_t events = 0;
        std::int64_t journal = 0;
        std::int64_t snapshots = 0;
        std::int64_t marks = 0;
    };
    std::optional<Retention> retention;

    Impl(asio::io_context& io_, store::Store& s, bitrix::Client& b, const Clock& c,
         const rules::World& w, std::shared_ptr<const RuleSet> r, EngineOptions o, EngineHooks h)
        : io(io_),
          store(s),
          bitrix(b),
          clock(c),
          world(w),
          options(o),
          hooks(std::move(h)),
          auth(hooks.portal_auth),
          ticker(io_),
          rules(std::move(r)) {}

    void progressed() { progress_at = std::chrono::steady_clock::now().time_since_epoch().count(); }

    std::shared_ptr<const RuleSet> current_rules() {
        std::lock_guard lock(rules_mutex);
        return rules;
    }

    void tick() {
        ticker.expires_after(options.tick);
        ticker.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) return;
            self->step();
            self->tick();
        });
    }

    void wake() {
        if (wake_posted.exchange(true)) return;
        asio::post(io, [weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                self->wake_posted = false;
                if (self->running) self->step();
            }
        });
    }

    void step() {
        if (!running) return;
        if (busy) {
            // Something arrived while a step reads or decides: look again when it ends, not
            // at the next tick.
            again = true;
            return;
        }
        if (std::chrono::steady_clock::now() < backoff_until) return;
        busy = true;
        try {
            TimePoint now = clock.now();
            // An event waiting out a fault (the portal away) happened before any timer due
            // now: timers and sweeps wait for it, or L4 would judge a manager whose call is
            // only held back.
            const bool held = store.has_held_events();
            std::vector<store::FiredTimer> fired;
            if (!held) fired = store.take_due(now, options.timer_batch);
            auto events = store.next_pending(options.batch, system_now());
            if (events.empty()) {
                if (!held) maybe_sweep(now);
                maybe_prune_retention(now);
                busy = false;
                progressed();
                return;
            }
            read_then_decide(std::move(events), !fired.empty());
        } catch (const std::exception& e) {
            spdlog::error("engine: {}", e.what());
            busy = false;
            back_off();
        }
    }

    struct Pending {
        std::vector<store::StoredEvent> events;
        Reads reads;
        std::map<std::string, std::vector<StageHistoryRow>> histories;  // by deal id
        std::map<std::string, DealComments> comments;                   // by deal id
        std::map<std::string, bitrix::Error> failed;
        CallTargets call_targets;
        std::size_t outstanding = 0;
        bool more = false;
    };

    // Runs `work` over the events; when it throws for the batch, finds the events it throws
    // for, one by one, and takes them out as failed attempts. A store failure is no event's
    // fault: it goes up (global backoff).
    // Returns whether the whole batch passed (then `work` ran once, over all of them).
    template <typename Work>
    bool screen(std::vector<store::StoredEvent>& events, Work work) {
        try {
            work(std::span<const store::StoredEvent>(events));
            return true;
        } catch (const store::StoreError&) {
            throw;
        } catch (const std::exception&) {
        }
        std::vector<store::StoredEvent> kept;
        for (auto& e : events) {
            try {
                work(std::span<const store::StoredEvent>(&e, 1));
                kept.push_back(std::move(e));
            } catch (const store::StoreError&) {
                throw;
            } catch (const std::exception& ex) {
                event_failed(e, unreadable(ex.what()));
            }
        }
        events = std::move(kept);
        return false;
    }

    void read_then_decide(std::vector<store::StoredEvent> events, bool fired_timers) {
        failures.clear();  // what a step that threw collected is not recorded twice
        failure_lines.clear();
        streaked.clear();
        bool more = fired_timers || events.size() >= options.batch;
        // Only to find the events that cannot be read at all: the reads themselves are
        // chosen once the calls' targets are known (read_entities).
        screen(events,
               [&](std::span<const store::StoredEvent> some) { (void)reads_needed(some, store); });
        if (events.empty()) {
            record_failures();
            busy = false;
            if (more) wake();
            return;
        }
        auto pending = std::make_shared<Pending>();
        pending->events = std::move(events);
        pending->more = more;
        resolve_calls(pending);
    }

    // Whose call each ONVOXIMPLANTCALLEND is (call_target.hpp): the owner of its CRM_ACTIVITY_ID,
    // else the call statistics' entity, else nobody named (the number decides in the step). A
    // read the portal could not answer now keeps the call in the inbox, to be tried again.
    void resolve_calls(const std::shared_ptr<Pending>& pending) {
        std::vector<std::pair<const store::StoredEvent*, rules::Call>> calls;
        for (const auto& e : pending->events) {
            if (e.event.source != "bitrix" || e.event.kind != "ONVOXIMPLANTCALLEND") continue;
            json payload = json::parse(e.event.payload, nullptr, false);
            if (!payload.is_object() || !payload.contains("call") || !payload["call"].is_object())
                continue;
            try {
                calls.emplace_back(&e, payload["call"].get<rules::Call>());
            } catch (const std::exception&) {
            }
        }
        pending->outstanding = calls.size();
        if (calls.empty()) return read_entities(pending);
        for (const auto& [event, call] : calls)
            resolve_call(pending, event->id, event->event.entity_key, call);
    }

    void resolve_call(const std::shared_ptr<Pending>& pending, std::int64_t event_id,
                      const std::string& event_key, const rules::Call& call) {
        auto finish = [weak = weak_from_this(), pending, event_id](CallTarget target) {
            pending->call_targets[event_id] = std::move(target);
            if (auto self = weak.lock(); self && --pending->outstanding == 0)
                self->read_entities(pending);
        };
        auto fail = [weak = weak_from_this(), pending, event_key](const bitrix::Error& e) {
            pending->failed.emplace(event_key, e);
            if (auto self = weak.lock(); self && --pending->outstanding == 0)
                self->read_entities(pending);
        };
        auto statistics = [weak = weak_from_this(), call, finish, fail] {
            auto self = weak.lock();
            if (!self) return;
            if (call.call_id.empty()) return finish(CallTarget{});
            auto read = call_statistic_read(call.call_id);
            self->bitrix.call(read.method, read.params, bitrix::Idempotency::read,
                              [call, finish, fail](bitrix::Result r) {
                                  if (r.ok()) return finish(target_from_statistic(r.result));
                                  if (fault(*r.error) != bitrix::Fault::refused)
                                      return fail(*r.error);
                                  // No telephony scope, say: the number is all there is to go by.
                                  spdlog::warn("engine: cannot read the statistics of call {}: {}",
                                               call.call_id, r.error->to_string());
                                  finish(CallTarget{});
                              });
        };
        if (call.crm_activity_id.empty() || call.crm_activity_id == "0") return statistics();
        rules::EntityRef ref{"activity", call.crm_activity_id};
        auto read = entity_read(ref);
        bitrix.call(
            read->method, read->params, bitrix::Idempotency::read,
            [ref, finish, fail, statistics](bitrix::Result r) {
                if (r.ok()) {
                    if (auto t = target_from_activity(entity_from_rest(ref, r.result)))
                        return finish(*t);
                } else if (!means_gone(*r.error) && fault(*r.error) != bitrix::Fault::refused) {
                    return fail(*r.error);
                }
                statistics();
            });
    }

    void read_entities(const std::shared_ptr<Pending>& pending) {
        if (!running) return decide(pending);
        std::vector<rules::EntityRef> refs;
        try {
            refs = reads_needed(pending->events, store, pending->call_targets);
        } catch (const std::exception& e) {
            spdlog::error("engine: {}", e.what());
            busy = false;
            back_off();
            return;
        }
        std::vector<std::pair<rules::EntityRef, EntityRead>> calls;
        for (const auto& ref : refs)
            if (auto read = entity_read(ref)) calls.emplace_back(ref, std::move(*read));
        pending->outstanding = calls.size();
        if (calls.empty()) return read_histories(pending);
        for (auto& [ref, read] : calls) {
            bitrix.call(read.method, read.params, bitrix::Idempotency::read,
                        [weak = weak_from_this(), pending, ref](bitrix::Result r) {
                            auto self = weak.lock();
                            if (!self) return;
                            if (r.ok())
                                self->keep_read(*pending, ref, r.result);
                            else if (means_gone(*r.error))
                                pending->reads[ref.key()] = std::monostate{};
                            else
                                pending->failed.emplace(ref.key(), *r.error);
                            if (--pending->outstanding == 0) self->read_histories(pending);
                        });
        }
    }

    // What the portal answered may still be unusable (hostile ids, odd shapes): that entity's
    // events fail, the others are decided. Never an exception out of a completion.
    void keep_read(Pending& pending, const rules::EntityRef& ref, const nlohmann::json& result) {
        try {
            pending.reads[ref.key()] = entity_from_rest(ref, result);
            entity_streaks.erase(ref.key());
            if (auth) auth->accepted();
        } catch (const std::exception& e) {
            pending.failed.emplace(ref.key(), unreadable(e.what()));
        }
    }

    // A deal that moved since its snapshot may have passed through stages no event showed (the
    // daemon was down, the portal dropped the event): D1 and D6 need its stage history. Its
    // comments are listed at the same moment (deal_comments.hpp): D6 and D7 judge them when a
    // deal closes or is deferred. All such reads go out together, so the client packs them
    // into `batch` requests.
    void read_histories(const std::shared_ptr<Pending>& pending) {
        if (!running) return decide(pending);
        std::vector<std::string> deals;
        try {
            if (!screen(pending->events, [&](std::span<const store::StoredEvent> some) {
                    deals = histories_needed(some, pending->reads, store);
                }))
                deals = histories_needed(pending->events, pending->reads, store);
        } catch (const std::exception& e) {
            spdlog::error("engine: {}", e.what());
            busy = false;
            back_off();
            return;
        }
        pending->outstanding = 2 * deals.size();
        if (deals.empty()) return decide(pending);
        for (const auto& id : deals) {
            read_for_deal(pending, id, stage_history_read(id), "stage history",
                          [](Pending& p, const std::string& deal, const nlohmann::json& result) {
                              p.histories[deal] = stage_history_from_rest(deal, result);
                          });
            read_for_deal(pending, id, deal_comments_read(id), "comments",
                          [](Pending& p, const std::string& deal, const nlohmann::json& result) {
                              p.comments[deal] = deal_comments_from_rest(deal, result);
                          });
        }
    }

    template <typename Keep>
    void read_for_deal(const std::shared_ptr<Pending>& pending, const std::string& id,
                       const EntityRead& read, const char* what, Keep keep) {
        bitrix.call(read.method, read.params, bitrix::Idempotency::read,
                    [weak = weak_from_this(), pending, id, what, keep](bitrix::Result r) {
                        auto self = weak.lock();
                        if (!self) return;
                        if (r.ok()) {
                            try {
                                keep(*pending, id, r.result);
                            } catch (const std::exception& e) {
                                // Unusable as read: decided on the snapshots, as below.
                                spdlog::warn("engine: cannot use the {} of deal {}: {}", what, id,
                                             e.what());
                            }
                        } else if (fault(*r.error) == bitrix::Fault::refused) {
                            // Asking again will not help: the deal is decided on what the
                            // snapshots know, as it was before this was read at all.
                            spdlog::warn("engine: cannot read the {} of deal {}: {}", what, id,
                                         r.error->to_string());
                        } else {
                            pending->failed.emplace("deal:" + id, *r.error);
                        }
                        if (--pending->outstanding == 0) self->decide(pending);
                    });
    }

    void decide(const std::shared_ptr<Pending>& pending) {
        if (!running) {
            busy = false;
            return;
        }
        try {
            auto ruleset = current_rules();
            // A call waits for its lead as an entity change waits for its entity.
            auto failure_of = [&](const store::StoredEvent& e) {
                auto f = pending->failed.find(e.event.entity_key);
                if (auto t = call_target_of(e, pending->call_targets);
                    f == pending->failed.end() && t && t->kind == CallTarget::Kind::lead)
                    f = pending->failed.find("lead:" + t->lead_id);
                return f;
            };
            // An event whose decision throws is taken out and the step decided again without
            // it: a half-built step is never committed, and one poison event holds up no other.
            std::unique_ptr<StepBuilder> builder;
            for (;;) {
                builder = std::make_unique<StepBuilder>(store, world, *ruleset, clock.now(),
                                                        options.dry_run);
                builder->set_call_targets(pending->call_targets);
                for (const auto& [deal_id, rows] : pending->histories)
                    builder->add_stage_history(deal_id, rows);
                for (const auto& [deal_id, comments] : pending->comments)
                    builder->add_deal_comments(deal_id, comments);
                auto bad = pending->events.end();
                std::string why;
                for (auto it = pending->events.begin(); it != pending->events.end(); ++it) {
                    if (failure_of(*it) != pending->failed.end()) continue;
                    try {
                        builder->add_event(*it, pending->reads);
                    } catch (const store::StoreError&) {
                        throw;
                    } catch (const std::exception& e) {
                        bad = it;
                        why = e.what();
                        break;
                    }
                }
                if (bad == pending->events.end()) break;
                event_failed(*bad, unreadable("cannot decide: " + why));
                pending->events.erase(bad);
            }
            bool auth_rejected = false;
            for (const auto& e : pending->events) {
                auto f = failure_of(e);
                if (f == pending->failed.end()) continue;
                if (fault(f->second) == bitrix::Fault::auth_rejected)
                    auth_rejected = true;
                else
                    event_failed(e, f->second);
            }
            for (const auto& [key, error] : pending->failed)
                if (fault(error) == bitrix::Fault::auth_rejected) {
                    auth_rejected = true;
                    if (auth) auth->rejected(error);
                }
            if (!pending->failed.empty()) {
                const auto& [key, error] = *pending->failed.begin();
                spdlog::warn("engine: {} read(s) failed, first {}: {}", pending->failed.size(), key,
                             error.to_string());
                if (hooks.read_failed) hooks.read_failed();
            }
            record_failures();
            commit(*builder);
            busy = false;
            progressed();
            if (auth_rejected) {
                // Nothing can be read until the admin reloads with the new secret: the events
                // wait untouched (no attempt counted), one probe per kAuthProbe meanwhile.
                backoff_until = std::chrono::steady_clock::now() + kAuthProbe;
                return;
            }
            failure_streak = 0;
            if (pending->more || std::exchange(again, false)) wake();
        } catch (const std::exception& e) {
            spdlog::error("engine: {}", e.what());
            busy = false;
            back_off();
        }
    }

    // One event's attempt did not finish. A transient fault (outage, limits) waits its
    // entity's backoff and never parks; anything else counts an attempt and, after
    // kParkAfterAttempts, parks the event with its reason (status, journal, metric) until
    // `reglamentd requeue`.
    void event_failed(const store::StoredEvent& e, const bitrix::Error& error) {
        store::EventFailure f;
        f.id = e.id;
        f.reason = error.to_string();
        std::vector<store::JournalEntry> journal;
        if (fault(error) == bitrix::Fault::transient) {
            f.count_attempt = false;
            int& streak = entity_streaks[e.event.entity_key];
            if (streaked.insert(e.event.entity_key).second) ++streak;
            f.retry_at = system_now() + retry_delay(streak);
        } else {
            const int attempts = e.attempts + 1;
            f.give_up = attempts >= kParkAfterAttempts;
            f.retry_at = system_now() + retry_delay(attempts);
            spdlog::warn("engine: event {} ({} {}) failed attempt {} of {}: {}{}", e.id,
                         e.event.kind, e.event.entity_key, attempts, kParkAfterAttempts, f.reason,
                         f.give_up ? "; parked until `reglamentd requeue`" : "");
            if (f.give_up) {
                store::JournalEntry line;
                line.time = clock.now();
                line.rule_id = "engine";
                line.entity_key = e.event.entity_key;
                line.action = "event.parked";
                line.reason = "event " + std::to_string(e.id) + " (" + e.event.source + " " +
                              e.event.kind + ") failed " + std::to_string(attempts) + " times";
                line.result = "failed: " + f.reason;
                journal.push_back(std::move(line));
            }
        }
        failures.push_back(std::move(f));
        for (auto& line : journal)
            failure_lines.push_back(std::move(line));
    }

    // One transaction for the step's failed attempts: during an outage every event of a step
    // fails, and one fsync each would starve intake.
    void record_failures() {
        if (failures.empty()) return;
        auto taken = std::exchange(failures, {});
        auto lines = std::exchange(failure_lines, {});
        try {
            store.record_event_failures(taken, lines);
        } catch (const std::exception& e) {
            // The events stay pending as they were and are tried again after the backoff.
            spdlog::error("engine: cannot record {} failed attempt(s): {}", taken.size(), e.what());
            back_off();
        }
    }

    // A reloaded config (a new webhook secret): whatever waited for it is tried at once.
    void resume() {
        backoff_until = {};
        failure_streak = 0;
        entity_streaks.clear();
        wake();
    }

    void commit(StepBuilder& builder) {
        auto work = builder.take();
        bool any = !work.done_event_ids.empty() || !work.snapshots.empty() ||
                   !work.snapshot_erases.empty() || !work.rule_states.empty() ||
                   !work.rule_state_erases.empty() || !work.timer_upserts.empty() ||
                   !work.timer_cancels.empty() || !work.outbox_actions.empty() ||
                   !work.journal_entries.empty() || !work.kv_puts.empty();
        if (!any) return;
        bool actions = !work.outbox_actions.empty();
        store.commit(work);
        if (hooks.counted) hooks.counted(builder.counts());
        if (builder.counts().channel_updates && hooks.channels_changed) hooks.channels_changed();
        if (actions && hooks.committed) hooks.committed();
    }

    // Reads are cheap and the portal's own limits are kept by the client, so the engine waits
    // at most 10 s: a recovered portal is noticed quickly.
    void back_off() {
        failure_streak = std::min(failure_streak + 1, 5);
        auto delay = std::chrono::seconds(1) * (1 << (failure_streak - 1));
        backoff_until =
            std::chrono::steady_clock::now() +
            std::min<std::chrono::steady_clock::duration>(delay, std::chrono::seconds(10));
    }

    // Sweeps look at every entity in process as the snapshots have it, never at the portal; the
    // closed ones no sweep rule acts on are not even read (entity_model.hpp, in_process).
    void maybe_sweep(TimePoint now) {
        bool requested = sweep_requested.exchange(false);
        auto last = store.get_kv(kLastSweepKey);
        if (last && !requested) {
            TimePoint at{std::chrono::milliseconds(std::stoll(*last))};
            if (now - at < options.sweep_interval) return;
        }
        auto ruleset = current_rules();
        std::size_t swept = 0;
        auto builder = std::make_unique<StepBuilder>(store, world, *ruleset, now, options.dry_run);
        std::size_t in_chunk = 0;
        for (const char* prefix : {"lead:", "deal:", "task:"}) {
            store.for_each_open_snapshot(prefix, [&](const store::Snapshot& snap) {
                rules::EntityRef ref;
                try {
                    ref = rules::EntityRef::parse(snap.entity_key);
                } catch (const std::invalid_argument&) {
                    return;
                }
                builder->add_sweep(ref, entity_from_snapshot(ref, snap.json));
                ++swept;
                if (++in_chunk >= kSweepChunk) {
                    commit(*builder);
                    builder =
                        std::make_unique<StepBuilder>(store, world, *ruleset, now, options.dry_run);
                    in_chunk = 0;
                }
            });
        }
        commit(*builder);
        store.put_kv(kLastSweepKey,
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        now.time_since_epoch())
                                        .count()));
        spdlog::debug("engine: swept {} entities", swept);
        maybe_prune_calls(now);
    }

    // Once a day of clock time the call log keeps only what R4 may still ask (call_log.hpp).
    void maybe_prune_calls(TimePoint now) {
        if (auto last = store.get_kv(kLastCallPruneKey)) {
            TimePoint at{std::chrono::milliseconds(std::stoll(*last))};
            if (now - at < kCallPruneInterval) return;
        }
        auto prune = prune_call_log(store, now);
        if (!prune.erased.empty() || !prune.rewritten.empty()) {
            store::EngineCommit work;
            work.snapshots = std::move(prune.rewritten);
            work.snapshot_erases = std::move(prune.erased);
            store.commit(work);
            spdlog::info("engine: call log pruned: {} of {} calls dropped, {} kept for fewer leads",
                         work.snapshot_erases.size(), prune.seen, work.snapshots.size());
        }
        store.put_kv(kLastCallPruneKey,
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        now.time_since_epoch())
                                        .count()));
    }

    // Once a day of clock time, done inbox events and journal lines older than they are kept
    // are deleted, one chunk per idle step: intake's writes wait for one chunk at most, and
    // events that arrive meanwhile are decided before the next chunk. A round cut short by a
    // restart is simply run again.
    //
    // A deleted event's dedup key is forgotten, so a repeat of it would be decided again. None
    // comes days later: Bitrix24 never resends an event (every POST is its own event anyway),
    // the poller's overlap is minutes, Wazzup's retries (undocumented, if any) are a webhook
    // sender's, seconds to minutes, and timer and outbox keys are never reused. Events are kept a
    // day at least; even then a repeated Bitrix24 or poller event costs one re-read that finds the
    // snapshot unchanged.
    //
    // Closed snapshots (keep_closed_snapshots) and the marks of sent messages and dry-run
    // decisions (keep_marks) go the same way; see Store::prune_closed_snapshots and prune_marks.
    void maybe_prune_retention(TimePoint now) {
        const bool events_expire = options.keep_done_events.count() > 0;
        const bool journal_expires = options.keep_journal.count() > 0;
        const bool snapshots_expire = options.keep_closed_snapshots.count() > 0;
        const bool marks_expire = options.keep_marks.count() > 0;
        if (!events_expire && !journal_expires && !snapshots_expire && !marks_expire) return;
        if (!retention) {
            if (auto last = store.get_kv(kLastRetentionKey)) {
                TimePoint at{std::chrono::milliseconds(std::stoll(*last))};
                if (now - at < kRetentionInterval) return;
            }
            retention = Retention{now,
                                  now - options.keep_done_events,
                                  now - options.keep_journal,
                                  now - options.keep_closed_snapshots,
                                  now - options.keep_marks,
                                  !events_expire,
                                  !journal_expires,
                                  !snapshots_expire};
        }
        auto& round = *retention;
        auto full = [&](std::int64_t n) {
            return static_cast<std::size_t>(n) >= options.prune_chunk;
        };
        if (!round.events_finished) {
            auto n = store.prune_done_events(round.events_before, options.prune_chunk);
            round.events += n;
            if (n > 0 && hooks.pruned) hooks.pruned("inbox", n);
            if (full(n)) return wake();
            round.events_finished = true;
        }
        if (!round.journal_finished) {
            auto n = store.prune_journal(round.journal_before, options.prune_chunk);
            round.journal += n;
            if (n > 0 && hooks.pruned) hooks.pruned("journal", n);
            if (full(n)) return wake();
            round.journal_finished = true;
        }
        if (!round.snapshots_finished) {
            auto n = store.prune_closed_snapshots(round.snapshots_before, options.prune_chunk);
            round.snapshots += n;
            if (n > 0 && hooks.pruned) hooks.pruned("snapshots", n);
            if (full(n)) return wake();
            round.snapshots_finished = true;
        }
        if (marks_expire) {
            auto n = store.prune_marks(round.marks_before, options.prune_chunk);
            round.marks += n;
            if (n > 0 && hooks.pruned) hooks.pruned("marks", n);
            if (full(n)) return wake();
        }
        store.put_kv(kLastRetentionKey,
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        round.started.time_since_epoch())
                                        .count()));
        if (round.events > 0 || round.journal > 0 || round.snapshots > 0 || round.marks > 0)
            spdlog::info(
                "engine: retention deleted {} done inbox events, {} journal lines, {} closed "
                "snapshots and {} marks",
                round.events, round.journal, round.snapshots, round.marks);
        retention.reset();
    }
};

Engine::Engine(asio::io_context& io, store::Store& store, bitrix::Client& bitrix,
               const Clock& clock, const rules::World& world, std::shared_ptr<const RuleSet> rules,
               EngineOptions options, EngineHooks hooks)
    : impl_(std::make_shared<Impl>(io, store, bitrix, clock, world, std::move(rules), options,
                                   std::move(hooks))) {}

Engine::~Engine() {
    stop();
}

void Engine::start() {
    impl_->progressed();
    if (impl_->running.exchange(true)) return;
    asio::post(impl_->io, [self = impl_] {
        self->step();
        self->tick();
    });
}

void Engine::stop() {
    if (!impl_->running.exchange(false)) return;
    asio::post(impl_->io, [self = impl_] { self->ticker.cancel(); });
}

void Engine::wake() {
    impl_->wake();
}

void Engine::sweep_soon() {
    impl_->sweep_requested = true;
    impl_->wake();
}

void Engine::resume() {
    asio::post(impl_->io, [self = impl_] {
        if (self->running) self->resume();
    });
}

std::chrono::steady_clock::time_point Engine::last_progress() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(impl_->progress_at.load()));
}

void Engine::set_rules(std::shared_ptr<const RuleSet> rules) {
    std::lock_guard lock(impl_->rules_mutex);
    impl_->rules = std::move(rules);
}

}  // namespace reglament::daemon
