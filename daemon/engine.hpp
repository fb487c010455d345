// The engine loop (ARCHITECTURE.md "Data flow" 2 and 4): turns due timers into inbox events,
// takes pending events oldest first, re-reads the entities they are about (one read per entity
// however many events it had; the Bitrix24 client packs concurrent reads into `batch`
// requests), lets the rules decide (engine_step.hpp) and commits everything one step decided in
// one transaction. When the inbox is empty and a sweep is due, it sweeps the snapshots; once a
// day of clock time it also deletes what retention lets go (done events, old journal lines).
//
// No poison event: every failure is the failing event's or entity's alone. A read the portal
// cannot answer (outage, rate limit, timeout) leaves that entity's events pending for its own
// backoff (1 s doubling to 10 s, system time); other entities go on at full speed. An entity
// the portal no longer has is a deletion. A read the portal refuses (4xx, an error inside a
// batch, parameters that cannot be sent) and an event whose reading or deciding throws count
// a failed attempt; after five the event is parked (status failed, its reason in last_error
// and a journal line) until `reglamentd requeue`. A 401 is nobody's fault but the config's:
// events wait untouched, one probe per 10 s, until resume() (a reload). Only a store failure
// backs the whole engine off.
//
// Threading: everything runs on the io_context given (the one the Bitrix24 client completes
// on); wake() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "daemon/engine_step.hpp"
#include "rules/clock.hpp"
#include "store/store.hpp"

namespace boost::asio {
class io_context;
}
namespace reglament::bitrix {
class Client;
}

namespace reglament::daemon {

class PortalAuth;

struct EngineOptions {
    std::size_t batch = 500;  // inbox events per step
    // Due timers turned into events per step: each batch is one write transaction that intake
    // waits behind, so it stays small (10,000 timers due at once then take 50 short steps).
    std::size_t timer_batch = 200;
    // Steady time between looks for due timers and sweeps when nothing wakes the engine.
    std::chrono::milliseconds tick = std::chrono::milliseconds(200);
    // Clock time between sweeps over the snapshots (H1, H2, H7, D7 ...).
    std::chrono::milliseconds sweep_interval = std::chrono::minutes(5);
    bool dry_run = false;  // --dry-run: every rule journals instead of writing
    // Clock time done inbox events and journal lines are kept ([store] keep_*_days); zero =
    // forever. Deleted once a day of clock time, `prune_chunk` rows per idle step.
    std::chrono::milliseconds keep_done_events = std::chrono::days(30);
    std::chrono::milliseconds keep_journal = std::chrono::days(365);
    // Clock time a closed lead's, deal's or task's snapshot is kept after its last change, and
    // the marks of sent Wazzup messages and of dry-run decisions ([store] keep_closed_days,
    // keep_marks_days); zero = forever. Same daily pass.
    std::chrono::milliseconds keep_closed_snapshots = std::chrono::days(180);
    std::chrono::milliseconds keep_marks = std::chrono::days(30);
    std::size_t prune_chunk = 1000;
};

struct EngineHooks {
    std::function<void()> committed;  // a step committed outbox actions: wake the outbox
    std::function<void(const StepCounts&)> counted;  // after every commit (metrics)
    std::function<void()> read_failed;               // the portal could not answer a read
    std::function<void()> channels_changed;          // Wazzup reported a channel's new state
    // Rows deleted by retention, by table ("inbox", "journal", "snapshots", "marks"), after each
    // chunk (metrics).
    std::function<void(std::string_view table, std::int64_t rows)> pruned;
    PortalAuth* portal_auth = nullptr;  // told of 401s and of reads that went through
};

class Engine {
  public:
    // The store, client, clock and world must outlive the engine.
    Engine(boost::asio::io_context& io, store::Store& store, bitrix::Client& bitrix,
           const Clock& clock, const rules::World& world, std::shared_ptr<const RuleSet> rules,
           EngineOptions options = {}, EngineHooks hooks = {});
    ~Engine();  // stop()
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void start();
    void stop();
    void wake();  // any thread
    // Sweeps at the next look, however recent the last sweep: who is present changed, and
    // leads of a manager who left must not wait up to a sweep interval (any thread).
    void sweep_soon();
    // A reloaded config: whatever waits for the portal (a rejected credential, a backoff) is
    // tried at once. Any thread.
    void resume();
    // The rules from a reloaded config, from the next step on. Any thread.
    void set_rules(std::shared_ptr<const RuleSet> rules);
    // When the engine last finished a step (an idle look, or a step that committed what it
    // decided, portal failures included) or started; steady time, any thread. A loop alive
    // but no longer finishing steps is wedged: health and the systemd watchdog look here.
    std::chrono::steady_clock::time_point last_progress() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::daemon
