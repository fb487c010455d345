#include "daemon/footprints.hpp"

#include <set>

#include "rules/iso_time.hpp"

namespace reglament::daemon {

using nlohmann::json;

// Named, not anonymous: the unity build puts this file beside others with their own helpers.
namespace footprint_detail {

// A field's value as the footprint keeps it: ids and codes as text, dates in the snapshots'
// UTC form, so "2026-03-02T18:00:00+03:00" written meets "2026-03-02T15:00:00Z" read back.
std::string fp_text(const json& v) {
    if (v.is_string()) {
        const auto& s = v.get<std::string>();
        if (s.size() >= 19 && s[4] == '-' && s[10] == 'T')
            if (auto t = parse_iso8601(s)) return format_iso8601(*t);
        return s;
    }
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

std::string fp_id_text(const json& params, const char* key) {
    auto it = params.find(key);
    return it == params.end() ? std::string() : fp_text(*it);
}

// Bitrix24 field codes of an update, in the model's member names.
void fp_put_fields(rules::Footprint& f, const json& fields, TimePoint at,
                   const std::map<std::string, std::string>& names) {
    if (!fields.is_object()) return;
    for (const auto& [code, value] : fields.items()) {
        auto known = names.find(code);
        std::string name = known != names.end() ? known->second : "fields." + code;
        f.fields[name] = {fp_text(value), at};
    }
}

const std::map<std::string, std::string> kFpTaskNames = {{"DEADLINE", "deadline"},
                                                         {"RESPONSIBLE_ID", "responsible_id"},
                                                         {"STATUS", "status"},
                                                         {"TITLE", "title"},
                                                         {"PRIORITY", "priority"}};
const std::map<std::string, std::string> kFpLeadNames = {
    {"STATUS_ID", "status_id"}, {"ASSIGNED_BY_ID", "assigned_by_id"}, {"TITLE", "title"}};
const std::map<std::string, std::string> kFpDealNames = {{"STAGE_ID", "stage_id"},
                                                         {"CATEGORY_ID", "category_id"},
                                                         {"ASSIGNED_BY_ID", "assigned_by_id"},
                                                         {"TITLE", "title"},
                                                         {"OPPORTUNITY", "opportunity"}};

// Members the portal moves on its own with any change (or that follow another member): not a
// change anyone made.
const std::set<std::string> kFpDerived = {"modified",       "changed",         "closed",
                                          "moved",          "status_semantic", "stage_semantic",
                                          "comments_count", "closed_semantic", "id"};

json fp_as_json(const rules::Entity& e) {
    return std::visit(
        [](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return nullptr;
            else
                return json(v);
        },
        e);
}

}  // namespace footprint_detail

using namespace footprint_detail;

std::optional<OwnWrite> own_write(const std::string& kind, const json& params, TimePoint at) {
    OwnWrite w;
    if (kind == "task.complete") {
        w.target = {"task", fp_id_text(params, "task_id")};
        w.written.fields["status"] = {std::to_string(int(rules::TaskStatus::completed)), at};
    } else if (kind == "task.update") {
        w.target = {"task", fp_id_text(params, "task_id")};
        fp_put_fields(w.written, params.value("fields", json::object()), at, kFpTaskNames);
    } else if (kind == "task.comment") {
        w.target = {"task", fp_id_text(params, "task_id")};
        w.written.comments = 1;
    } else if (kind == "lead.update") {
        w.target = {"lead", fp_id_text(params, "lead_id")};
        fp_put_fields(w.written, params.value("fields", json::object()), at, kFpLeadNames);
    } else if (kind == "deal.update") {
        w.target = {"deal", fp_id_text(params, "deal_id")};
        fp_put_fields(w.written, params.value("fields", json::object()), at, kFpDealNames);
    } else if (kind == "deal.move") {
        w.target = {"deal", fp_id_text(params, "deal_id")};
        w.written.fields["category_id"] = {fp_id_text(params, "category_id"), at};
        w.written.fields["stage_id"] = {fp_id_text(params, "stage_id"), at};
    } else if (kind == "activity.complete") {
        w.target = {"activity", fp_id_text(params, "activity_id")};
        w.written.fields["completed"] = {"true", at};
    } else if (kind == "timeline.comment") {
        w.target = {params.value("entity_type", ""), fp_id_text(params, "entity_id")};
        w.written.comments = 1;
    } else {
        return std::nullopt;
    }
    if (w.target.type.empty() || w.target.id.empty()) return std::nullopt;
    return w;
}

void merge_footprint(rules::Footprint& into, const rules::Footprint& write) {
    for (const auto& [name, value] : write.fields)
        into.fields[name] = value;
    into.comments += write.comments;
}

bool own_change(const rules::Entity& before, const rules::Entity& after,
                const rules::Footprint& footprint) {
    if (footprint.fields.empty()) return false;
    json b = fp_as_json(before), a = fp_as_json(after);
    if (!b.is_object() || !a.is_object()) return false;
    bool changed = false;
    auto check = [&](const std::string& name, const json& was, const json& now) {
        if (was == now) return true;
        changed = true;
        return footprint.wrote(name, fp_text(now));
    };
    std::set<std::string> keys;
    for (const auto& [k, v] : b.items())
        keys.insert(k);
    for (const auto& [k, v] : a.items())
        keys.insert(k);
    for (const auto& k : keys) {
        if (kFpDerived.count(k)) continue;
        json was = b.value(k, json()), now = a.value(k, json());
        if (k == "fields" && (was.is_object() || now.is_object())) {
            if (!was.is_object()) was = json::object();
            if (!now.is_object()) now = json::object();
            std::set<std::string> codes;
            for (const auto& [c, v] : was.items())
                codes.insert(c);
            for (const auto& [c, v] : now.items())
                codes.insert(c);
            for (const auto& c : codes)
                if (!check("fields." + c, was.value(c, json()), now.value(c, json()))) return false;
            continue;
        }
        if (!check(k, was, now)) return false;
    }
    return changed;
}

}  // namespace reglament::daemon
