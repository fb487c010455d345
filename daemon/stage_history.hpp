// A deal's stage history (crm.stagehistory.list, bitrix24.md "Stage history") for D1 and D6:
// the stages a deal passed through while the daemon was down or the portal dropped its events,
// which no snapshot saw. The engine reads it only when a re-read deal's pipeline, stage or move
// time differs from its snapshot, or the deal has no snapshot yet, and keeps it as the snapshot
// "stage_history:<deal id>"; StoreWorld::stage_history answers from there. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/entity_model.hpp"
#include "rules/model.hpp"
#include "rules/rule.hpp"
#include "store/records.hpp"

namespace reglament::daemon {

inline constexpr std::string_view stage_history_prefix = "stage_history:";

std::string stage_history_key(const std::string& deal_id);

// One row with the portal's id: two reads of one deal are merged by it.
struct StageHistoryRow {
    std::string id;
    rules::StageHistoryEntry entry;
};

// crm.stagehistory.list {entityTypeId 2, filter {OWNER_ID}, order {ID DESC}}: one page, the
// newest 50 rows. Older rows are in the snapshot already unless the deal moved 50 times between
// two reads, and D1 asks only about the moves since its snapshot.
EntityRead stage_history_read(const std::string& deal_id);

// The read's result → the deal's rows, oldest first. Takes {"items": [...]} or a bare array,
// UPPER_CASE or camelCase keys, ids and numbers as strings or numbers; a row of another owner,
// without a stage or not an object is skipped. Never throws.
std::vector<StageHistoryRow> stage_history_from_rest(const std::string& deal_id,
                                                     const nlohmann::json& result);

// The rows of both, one per id (a fresh row replaces a kept one), oldest first.
std::vector<StageHistoryRow> merge_stage_history(std::vector<StageHistoryRow> kept,
                                                 const std::vector<StageHistoryRow>& fresh);

store::Snapshot stage_history_snapshot(const std::string& deal_id,
                                       const std::vector<StageHistoryRow>& rows, TimePoint now);
// Snapshot JSON → rows; empty for text that is not one.
std::vector<StageHistoryRow> stage_history_rows(std::string_view json);
std::vector<rules::StageHistoryEntry> stage_history_entries(
    const std::vector<StageHistoryRow>& rows);

// Whether the deal as just read passed through stages its snapshot (`known`, monostate when
// none) cannot tell: none known, or another pipeline, stage or move time. A deal moved away
// and back between two reads is in the same stage but moved later.
bool stage_history_wanted(const rules::Entity& known, const rules::Deal& read);

}  // namespace reglament::daemon
