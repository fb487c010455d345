// A lead's call log (World::calls_of, R4): the calls whose ONVOXIMPLANTCALLEND reached the
// engine, one snapshot "call:<CALL_ID>" each, with a term per lead it was routed to and those
// leads' ids in its JSON (so pruning knows them; a snapshot read gives no terms back).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace reglament::daemon {

inline constexpr std::string_view call_prefix = "call:";

// How long after a lead arrived its call log is kept. R4 is its only reader: it assesses a
// number when the dial plan's window closes (3 working days; two weeks over the New Year
// holidays) and again when the qualifying field turns "no", which two months on is past any
// monthly replacement request. `reglamentd replacement-report` reads voximplant.statistic.get
// itself and does not need the log.
inline constexpr std::chrono::hours call_log_horizon{24 * 60};

store::Snapshot call_snapshot(const rules::Call& call, const std::vector<std::string>& lead_ids,
                              TimePoint now);

struct CallLogPrune {
    std::vector<store::Snapshot> rewritten;  // still needed by some of their leads
    std::vector<std::string> erased;
    std::size_t seen = 0;
};

// Keeps each call only under the leads that still have a snapshot and arrived less than
// `horizon` before `now`, so a lead's log goes whole: R4 then sees no attempt at all, a broken
// plan, never a plan whose first calls alone are missing. A call kept by an older build (no
// lead ids) goes when it started longer than `horizon` ago.
CallLogPrune prune_call_log(store::Store& store, TimePoint now,
                            std::chrono::milliseconds horizon = call_log_horizon);

}  // namespace reglament::daemon
