#include "daemon/call_log.hpp"

#include <map>
#include <stdexcept>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "daemon/entity_model.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace call_log_detail {

std::string lead_key(const std::string& id) {
    return "lead:" + id;
}

std::vector<std::string> lead_ids_of(const json& j, bool& known) {
    std::vector<std::string> out;
    auto it = j.find("leads");
    known = it != j.end() && it->is_array();
    if (!known) return out;
    for (const auto& id : *it)
        if (id.is_string() && !id.get_ref<const std::string&>().empty())
            out.push_back(id.get<std::string>());
    return out;
}

}  // namespace call_log_detail

store::Snapshot call_snapshot(const rules::Call& call, const std::vector<std::string>& lead_ids,
                              TimePoint now) {
    json j = call;
    j["leads"] = lead_ids;
    store::Snapshot s{std::string(call_prefix) + call.call_id, j.dump(), now, {}};
    for (const auto& id : lead_ids)
        s.terms.push_back({std::string(terms::call_lead), call_log_detail::lead_key(id)});
    return s;
}

CallLogPrune prune_call_log(store::Store& store, TimePoint now, std::chrono::milliseconds horizon) {
    CallLogPrune out;
    const TimePoint cutoff = now - horizon;
    // A lead is looked up once however many calls it has.
    std::map<std::string, bool> lead_current;
    auto current = [&](const std::string& id) {
        auto [it, fresh] = lead_current.try_emplace(id, false);
        if (!fresh) return it->second;
        const rules::EntityRef ref{"lead", id};
        if (auto snap = store.get_snapshot(ref.key())) {
            try {
                auto entity = entity_from_snapshot(ref, snap->json);
                if (const auto* lead = std::get_if<rules::Lead>(&entity))
                    it->second = !lead->created || *lead->created >= cutoff;
            } catch (const std::invalid_argument&) {
                // Unreadable: the lead's own rules fail on it too; its calls do not help.
            }
        }
        return it->second;
    };

    store.for_each_snapshot(call_prefix, [&](const store::Snapshot& snap) {
        ++out.seen;
        json j = json::parse(snap.json, nullptr, false);
        rules::Call call;
        bool parsed = false;
        if (j.is_object()) {
            try {
                call = j.get<rules::Call>();
                parsed = true;
            } catch (const std::exception&) {
            }
        }
        if (!parsed) {
            out.erased.push_back(snap.entity_key);
            return;
        }
        bool known = false;
        auto leads = call_log_detail::lead_ids_of(j, known);
        if (!known) {
            TimePoint started = call.start.value_or(snap.updated_at);
            if (started < cutoff) out.erased.push_back(snap.entity_key);
            return;
        }
        std::vector<std::string> kept;
        for (const auto& id : leads)
            if (current(id)) kept.push_back(id);
        if (kept.empty())
            out.erased.push_back(snap.entity_key);
        else if (kept.size() != leads.size())
            out.rewritten.push_back(call_snapshot(call, kept, snap.updated_at));
    });
    return out;
}

}  // namespace reglament::daemon
