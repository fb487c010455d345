#include "daemon/call_target.hpp"

#include <algorithm>
#include <tuple>

#include "bitrix/fields.hpp"

namespace reglament::daemon {

using nlohmann::json;

std::optional<CallTarget> target_from_activity(const rules::Entity& activity) {
    const auto* a = std::get_if<rules::Activity>(&activity);
    if (!a || a->owner_id.empty() || a->owner_id == "0") return std::nullopt;
    if (a->owner_type_id == 1) return CallTarget::of_lead(a->owner_id);
    return CallTarget{CallTarget::Kind::other, {}};
}

EntityRead call_statistic_read(const std::string& call_id) {
    return EntityRead{"voximplant.statistic.get", {{"FILTER", {{"CALL_ID", call_id}}}}};
}

CallTarget target_from_statistic(const json& result) {
    const json* rows = &result;
    if (result.is_object() && result.contains("result")) rows = &result["result"];
    if (!rows->is_array() || rows->empty() || !(*rows)[0].is_object()) return {};
    const json& row = (*rows)[0];
    auto type = bitrix::text_or_empty(row, {"CRM_ENTITY_TYPE"});
    auto id = bitrix::text_or_empty(row, {"CRM_ENTITY_ID"});
    if (type.empty() || id.empty() || id == "0") return {};
    if (type == "LEAD") return CallTarget::of_lead(id);
    return CallTarget{CallTarget::Kind::other, {}};
}

std::optional<std::string> choose_lead(const std::vector<rules::Lead>& leads) {
    if (leads.empty()) return std::nullopt;
    auto key = [](const rules::Lead& l) {
        bool in_work = l.status_semantic.empty() || l.status_semantic == "P";
        auto created = l.created.value_or(TimePoint{});
        return std::make_tuple(in_work, created, l.id.size(), l.id);
    };
    auto best = std::max_element(leads.begin(), leads.end(),
                                 [&](const auto& a, const auto& b) { return key(a) < key(b); });
    return best->id;
}

}  // namespace reglament::daemon
