#include "daemon/stage_history.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <utility>

#include "bitrix/fields.hpp"
#include "rules/iso_time.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace stage_history_detail {

// Rows in the order the portal wrote them: by the time the deal entered the stage, then by id
// (CREATED_TIME has whole seconds; a move and its restore may share one).
bool older(const StageHistoryRow& a, const StageHistoryRow& b) {
    if (a.entry.at != b.entry.at) return a.entry.at < b.entry.at;
    if (a.id.size() != b.id.size()) return a.id.size() < b.id.size();
    return a.id < b.id;
}

void sort_rows(std::vector<StageHistoryRow>& rows) {
    std::stable_sort(rows.begin(), rows.end(), older);
}

const json* items_of(const json& result) {
    if (result.is_array()) return &result;
    if (!result.is_object()) return nullptr;
    for (const char* key : {"items", "ITEMS"}) {
        auto it = result.find(key);
        if (it != result.end() && it->is_array()) return &*it;
    }
    return nullptr;
}

}  // namespace stage_history_detail

std::string stage_history_key(const std::string& deal_id) {
    return std::string(stage_history_prefix) + deal_id;
}

EntityRead stage_history_read(const std::string& deal_id) {
    return {"crm.stagehistory.list",
            {{"entityTypeId", 2},
             {"filter", {{"OWNER_ID", deal_id}}},
             {"order", {{"ID", "DESC"}}},
             {"select",
              {"ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "CATEGORY_ID", "STAGE_ID",
               "STAGE_SEMANTIC_ID"}}}};
}

std::vector<StageHistoryRow> stage_history_from_rest(const std::string& deal_id,
                                                     const json& result) {
    std::vector<StageHistoryRow> out;
    const json* items = stage_history_detail::items_of(result);
    if (!items) return out;
    for (const auto& item : *items) {
        if (!item.is_object()) continue;
        try {
            auto owner = bitrix::text_or_empty(item, {"OWNER_ID", "ownerId"});
            if (!owner.empty() && owner != deal_id) continue;
            StageHistoryRow row;
            row.id = bitrix::text_or_empty(item, {"ID", "id"});
            auto& e = row.entry;
            e.stage_id = bitrix::text_or_empty(item, {"STAGE_ID", "stageId"});
            if (e.stage_id.empty()) continue;
            e.type_id =
                static_cast<int>(bitrix::int_field(item, {"TYPE_ID", "typeId"}).value_or(0));
            e.category_id = bitrix::text_or_empty(item, {"CATEGORY_ID", "categoryId"});
            e.stage_semantic =
                bitrix::text_or_empty(item, {"STAGE_SEMANTIC_ID", "stageSemanticId"});
            e.at = bitrix::time_field(item, {"CREATED_TIME", "createdTime"});
            out.push_back(std::move(row));
        } catch (const std::exception&) {
            // A row the portal garbled: the others still tell the story.
        }
    }
    stage_history_detail::sort_rows(out);
    return out;
}

std::vector<StageHistoryRow> merge_stage_history(std::vector<StageHistoryRow> kept,
                                                 const std::vector<StageHistoryRow>& fresh) {
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < kept.size(); ++i)
        if (!kept[i].id.empty()) at.emplace(kept[i].id, i);
    for (const auto& row : fresh) {
        auto it = row.id.empty() ? at.end() : at.find(row.id);
        if (it != at.end()) {
            kept[it->second] = row;
        } else {
            if (!row.id.empty()) at.emplace(row.id, kept.size());
            kept.push_back(row);
        }
    }
    stage_history_detail::sort_rows(kept);
    return kept;
}

store::Snapshot stage_history_snapshot(const std::string& deal_id,
                                       const std::vector<StageHistoryRow>& rows, TimePoint now) {
    json list = json::array();
    for (const auto& r : rows) {
        json j = {{"id", r.id},
                  {"type_id", r.entry.type_id},
                  {"category_id", r.entry.category_id},
                  {"stage_id", r.entry.stage_id},
                  {"stage_semantic", r.entry.stage_semantic}};
        if (r.entry.at) j["at"] = format_iso8601(*r.entry.at);
        list.push_back(std::move(j));
    }
    return {stage_history_key(deal_id), json{{"rows", std::move(list)}}.dump(), now, {}};
}

std::vector<StageHistoryRow> stage_history_rows(std::string_view text) {
    std::vector<StageHistoryRow> out;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return out;
    const json rows = j.value("rows", json::array());
    if (!rows.is_array()) return out;
    for (const auto& r : rows) {
        if (!r.is_object()) continue;
        try {
            StageHistoryRow row;
            row.id = r.value("id", std::string());
            row.entry.type_id = r.value("type_id", 0);
            row.entry.category_id = r.value("category_id", std::string());
            row.entry.stage_id = r.value("stage_id", std::string());
            row.entry.stage_semantic = r.value("stage_semantic", std::string());
            if (auto it = r.find("at"); it != r.end() && it->is_string())
                row.entry.at = parse_iso8601(it->get<std::string>());
            out.push_back(std::move(row));
        } catch (const json::exception&) {
            // Not a row this build wrote: skipped rather than failing every rule on the deal.
        }
    }
    stage_history_detail::sort_rows(out);
    return out;
}

std::vector<rules::StageHistoryEntry> stage_history_entries(
    const std::vector<StageHistoryRow>& rows) {
    std::vector<rules::StageHistoryEntry> out;
    out.reserve(rows.size());
    for (const auto& r : rows)
        out.push_back(r.entry);
    return out;
}

bool stage_history_wanted(const rules::Entity& known, const rules::Deal& read) {
    const auto* before = std::get_if<rules::Deal>(&known);
    if (!before) return true;
    return before->category_id != read.category_id || before->stage_id != read.stage_id ||
           before->moved != read.moved;
}

}  // namespace reglament::daemon
