#include "daemon/engine.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"
#include "daemon/call_log.hpp"
#include "daemon/deal_comments.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/stage_history.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr int kRefusedReadAttempts = 5;
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

// The portal refused the request itself; asking again will not help soon.
bool refused(const bitrix::Error& e) {
    if (e.http_status < 400 || e.http_status >= 500) return false;
    return !e.is(bitrix::codes::query_limit) && !e.is(bitrix::codes::operation_time_limit) &&
           !e.is("expired_token") && !e.is("invalid_token");
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
            auto fired = store.take_due(now, options.timer_batch);
            auto events = store.next_pending(options.batch);
            if (events.empty()) {
                maybe_sweep(now);
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
        std::size_t outstanding = 0;
        bool more = false;
    };

    void read_then_decide(std::vector<store::StoredEvent> events, bool fired_timers) {
        auto refs = reads_needed(events, store);
        auto pending = std::make_shared<Pending>();
        pending->events = std::move(events);
        pending->more = fired_timers || pending->events.size() >= options.batch;
        std::vector<std::pair<rules::EntityRef, EntityRead>> calls;
        for (const auto& ref : refs)
            if (auto read = entity_read(ref)) calls.emplace_back(ref, std::move(*read));
        pending->outstanding = calls.size();
        if (calls.empty()) return decide(pending);
        for (auto& [ref, read] : calls) {
            bitrix.call(read.method, read.params, bitrix::Idempotency::read,
                        [weak = weak_from_this(), pending, ref](bitrix::Result r) {
                            auto self = weak.lock();
                            if (!self) return;
                            if (r.ok())
                                pending->reads[ref.key()] = entity_from_rest(ref, r.result);
                            else if (means_gone(*r.error))
                                pending->reads[ref.key()] = std::monostate{};
                            else
                                pending->failed.emplace(ref.key(), *r.error);
                            if (--pending->outstanding == 0) self->read_histories(pending);
                        });
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
                        if (r.ok())
                            keep(*pending, id, r.result);
                        else if (refused(*r.error))
                            // Asking again will not help: the deal is decided on what the
                            // snapshots know, as it was before this was read at all.
                            spdlog::warn("engine: cannot read the {} of deal {}: {}", what, id,
                                         r.error->to_string());
                        else
                            pending->failed.emplace("deal:" + id, *r.error);
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
            StepBuilder builder(store, world, *ruleset, clock.now(), options.dry_run);
            for (const auto& [deal_id, rows] : pending->histories)
                builder.add_stage_history(deal_id, rows);
            for (const auto& [deal_id, comments] : pending->comments)
                builder.add_deal_comments(deal_id, comments);
            bool transient = false;
            for (const auto& e : pending->events) {
                auto f = pending->failed.find(e.event.entity_key);
                if (f == pending->failed.end()) {
                    builder.add_event(e, pending->reads);
                    continue;
                }
                if (refused(f->second)) {
                    bool give_up = e.attempts + 1 >= kRefusedReadAttempts;
                    store.record_event_failure(e.id, give_up);
                    spdlog::warn("engine: cannot read {} for event {} ({}): {}", e.event.entity_key,
                                 e.id, e.event.kind,
                                 give_up ? "parked as failed" : "will try again");
                } else {
                    transient = true;
                }
            }
            if (!pending->failed.empty()) {
                const auto& [key, error] = *pending->failed.begin();
                spdlog::warn("engine: {} read(s) failed, first {}: {}", pending->failed.size(), key,
                             error.to_string());
                if (hooks.read_failed) hooks.read_failed();
            }
            commit(builder);
            busy = false;
            progressed();
            if (transient) {
                back_off();
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

std::chrono::steady_clock::time_point Engine::last_progress() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(impl_->progress_at.load()));
}

void Engine::set_rules(std::shared_ptr<const RuleSet> rules) {
    std::lock_guard lock(impl_->rules_mutex);
    impl_->rules = std::move(rules);
}

}  // namespace reglament::daemon
