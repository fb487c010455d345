// Executes outbox rows against Bitrix24 and Wazzup (ARCHITECTURE.md "Data flow" 3). Takes
// ready rows from the store (per-entity order is the store's: next_ready skips an entity with
// an earlier open row), marks each in flight, carries out its plan (outbox_plan.hpp) and
// records the outcome:
//   done     mark_action_done with result JSON {"calls": [{method, result}], "created_id",
//            "found_by_lookup"} (Wazzup: {"message_id", "chat_id"} or {"already_sent": true})
//            and a journal line, in one store call;
//   retry    retry_action_at(now + backoff) for errors that are safe to repeat later;
//   unknown  mark_action_unknown for a create that may have happened: the next attempt looks
//            for its tag first (every later attempt of a create does). A Wazzup send that may
//            have gone is repeated only inside Wazzup's 60 s crmMessageId window, later settled
//            by its echo or given up (wazzup/unknown_send.hpp): a message goes at most once;
//   failed   mark_action_failed with a journal line, for refusals by the portal or Wazzup and
//            params the outbox cannot carry out: the row is parked until `reglamentd requeue`;
//            an attempt that throws is retried and parked after five.
//   waiting  a 401 (rotated webhook code): the row goes back to pending, due at once, nothing
//            counted as failed; the worker takes no rows (one probe per 10 s) until resume().
// Retries and unknowns are logged, not journalled: a 10-minute outage would otherwise bury
// the journal in lines. A final Wazzup error also appends an inbox event for the rule that
// sent it (source "wazzup", kind "wazzup.send_failed", entity_key = the row's entity,
// dedup_key "wazzup.send_failed:<idempotency key>", payload {"rule_id", "action_key",
// "template", "code", "description", "http_status", "no_whatsapp"}), so L5 can write "нет
// ватсапа" and the manager is told; a send given up unsettled comes the same way with code
// OUTCOME_UNKNOWN.
//
// lookup.duplicates rows run their reads (duplicate_lookup.hpp) and answer the rule with an
// inbox event (source "outbox", kind "lookup.duplicates", payload {"rule_id", "result"}).
//
// Threading: everything runs on the io_context given (the one the clients complete on);
// wake() may be called from any thread. The store and the clients must outlive the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "daemon/outbox_plan.hpp"
#include "rules/clock.hpp"
#include "store/store.hpp"

namespace boost::asio {
class io_context;
}
namespace reglament::bitrix {
class Client;
}
namespace reglament::wazzup {
class Client;
}

namespace reglament::daemon {

class PortalAuth;

struct OutboxOptions {
    std::size_t max_in_flight = 8;  // rows executed at once (different entities)
    Backoff backoff;                // 5 s … 10 min, in Clock time
    // Steady time between looks for rows whose retry time has come (wake() runs at once).
    std::chrono::milliseconds tick = std::chrono::seconds(1);
    PortalAuth* auth = nullptr;  // told of 401s and of calls that went through
};

// One row finished an attempt: outcome is "done", "failed", "retry" or "unknown".
using OutboxObserver =
    std::function<void(const store::StoredAction& row, std::string_view outcome)>;

class OutboxWorker {
  public:
    // `wazzup` may be null when Wazzup is not configured (wazzup.send rows then fail).
    OutboxWorker(boost::asio::io_context& io, store::Store& store, const Clock& clock,
                 bitrix::Client& bitrix, wazzup::Client* wazzup, PlanSettings settings,
                 OutboxOptions options = {}, OutboxObserver observer = {});
    ~OutboxWorker();  // stop()
    OutboxWorker(const OutboxWorker&) = delete;
    OutboxWorker& operator=(const OutboxWorker&) = delete;

    // Turns rows a crash left in flight into unknown ones (on the calling thread), then starts
    // taking rows on the io_context. Returns how many rows were interrupted.
    std::int64_t start();
    // Takes no new rows; attempts in flight still record their outcome.
    void stop();
    // Look for ready rows now (the engine calls it after committing actions). Any thread.
    void wake();
    // A reloaded config: rows waiting for valid credentials are taken at once. Any thread.
    void resume();
    std::size_t in_flight() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::daemon
