// Catches what the event stream missed (Bitrix24 does not resend a failed event, bitrix24.md §5
// "Retries and duplicates"): every poll interval it lists leads, deals, tasks and activities
// modified since a watermark and appends one inbox event per item. The engine re-reads the
// entity anyway, so an item already seen costs one read; a poll of the same state twice is
// dropped by the dedup key.
//
// Events: source "poller", kind "poll.lead" | "poll.deal" | "poll.task" | "poll.activity",
// entity_key "lead:<id>" (deal:, task:, activity:), dedup_key "poll:<kind>:<id>:<modified>",
// payload {"id", "modified", "initial_sync"}.
//
// Calls are an event, not an entity that changes: an ONVOXIMPLANTCALLEND lost while the daemon
// was down (Bitrix24 does not resend it) is recovered from voximplant.statistic.get, whose rows
// carry the event's fields. Each row becomes the very event the portal would have sent (source
// "bitrix", kind ONVOXIMPLANTCALLEND, dedup_key "bitrix:call:<CALL_ID>"), so the online copy and
// the listed one are one inbox event. Calls are listed by CALL_START_DATE two hours back, so a
// long call that ended after the last poll is not missed; no call before the first start is.
//
// Watermarks (kv "poll:lead", ...) are portal times: the latest modification time seen, as the
// portal wrote it; the next poll asks for ">DATE_MODIFY" (tasks ">CHANGED_DATE", activities
// ">LAST_UPDATED") of the watermark minus `overlap`, which covers a clock skew and writes still
// committing on the portal while we listed.
//
// First start (no watermark): the open leads (STATUS_SEMANTIC_ID P), deals (CLOSED N) and
// tasks (REAL_STATUS not 5) are streamed page by page into the same events with
// "initial_sync": true; the watermark then becomes the Clock time the sync started. Activities
// have no initial sync (the engine reads them with their owners).
//
// Threading: runs on the io_context given; the store is called on that thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/clock.hpp"
#include "store/store.hpp"

namespace boost::asio {
class io_context;
}
namespace reglament::bitrix {
class Client;
struct Error;
}  // namespace reglament::bitrix

namespace reglament::daemon {

struct PollerOptions {
    std::chrono::milliseconds interval = std::chrono::seconds(60);  // Config.portal.poll_interval
    std::chrono::minutes overlap{5};
    bool initial_sync = true;
};

// Metrics hooks (daemon/metrics.hpp); any may be empty.
struct PollerHooks {
    // After a poll in which every kind was listed.
    std::function<void(TimePoint clock_time)> polled;
    // Per kind and poll: items listed and new (non-duplicate) events appended.
    std::function<void(std::string_view kind, std::size_t seen, std::size_t appended)> items;
    // A kind could not be listed (the next poll tries again from the same watermark).
    std::function<void(std::string_view kind, const std::string& error)> failed;
};

// One kind's list request and how its items name their id and modification time. Pure.
struct PollTarget {
    std::string kind;  // "lead", "deal", "task", "activity"
    std::string method;
    std::string modified_filter;  // ">DATE_MODIFY"
    std::string modified_field;   // as the items carry it: "DATE_MODIFY", "changedDate"
    std::string id_field;         // "ID" or "id"
    std::string select_modified;  // "DATE_MODIFY", "CHANGED_DATE"; empty: the method takes
                                  // no select and answers every field
    nlohmann::json open_filter;   // initial sync; null: none
    // Listed again behind the watermark beyond PollerOptions::overlap: calls are listed by
    // their start, and a call shows only once it has ended.
    std::chrono::minutes lookback{0};
};
const std::vector<PollTarget>& poll_targets();

// The inbox event for one listed item; nullopt when it has no id.
std::optional<store::InboxEvent> poll_event(const PollTarget& target, const nlohmann::json& item,
                                            bool initial_sync, TimePoint received_at);

class Poller {
  public:
    // The store, client and clock must outlive the poller.
    Poller(boost::asio::io_context& io, store::Store& store, bitrix::Client& bitrix,
           const Clock& clock, PollerOptions options = {}, PollerHooks hooks = {});
    ~Poller();  // stop()
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Polls at once, then every interval (steady time, counted from the end of a poll).
    void start();
    void stop();
    // One poll now (unless one is running: then `done` follows it); `done` gets whether every
    // kind was listed. Any thread; `done` runs on the io_context.
    void poll_now(std::function<void(bool)> done = {});

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::daemon
