#include "daemon/store_world.hpp"

#include <algorithm>
#include <utility>

#include "daemon/entity_model.hpp"
#include "daemon/stage_history.hpp"
#include "rules/phone.hpp"

namespace reglament::daemon {

namespace {

// The snapshots with a term, as models of type T; other shapes under the term are skipped.
template <class T>
std::vector<T> models_with(store::Store& store, std::string_view term, std::string_view value) {
    std::vector<T> out;
    for (const auto& s : store.find_snapshots(term, value)) {
        auto entity = entity_from_snapshot(rules::EntityRef::parse(s.entity_key), s.json);
        if (auto* v = std::get_if<T>(&entity)) out.push_back(std::move(*v));
    }
    return out;
}

template <class T>
std::optional<T> model_of(store::Store& store, const rules::EntityRef& ref) {
    auto s = store.get_snapshot(ref.key());
    if (!s) return std::nullopt;
    auto entity = entity_from_snapshot(ref, s->json);
    if (auto* v = std::get_if<T>(&entity)) return std::move(*v);
    return std::nullopt;
}

}  // namespace

StoreWorld::StoreWorld(store::Store& store, Presence presence)
    : store_(store), presence_(std::move(presence)) {}

std::vector<rules::Task> StoreWorld::open_tasks_bound_to(const std::string& binding) const {
    std::vector<rules::Task> out;
    for (auto& t : models_with<rules::Task>(store_, terms::task_binding, binding))
        if (t.open()) out.push_back(std::move(t));
    return out;
}

std::vector<rules::Activity> StoreWorld::open_activities_of(const rules::EntityRef& owner) const {
    std::vector<rules::Activity> out;
    for (auto& a : models_with<rules::Activity>(store_, terms::activity_owner, owner.key()))
        if (!a.completed) out.push_back(std::move(a));
    return out;
}

std::vector<std::string> StoreWorld::leads_with_phone(const std::string& digits) const {
    // The same normaliser as the terms, so "8 916 ..." and "79 16..." meet.
    auto normalised = rules::normalise_phone(digits);
    if (normalised.empty()) return {};
    std::vector<std::string> ids;
    for (const auto& s : store_.find_snapshots(terms::lead_phone, normalised))
        ids.push_back(rules::EntityRef::parse(s.entity_key).id);
    return ids;
}

std::optional<rules::Lead> StoreWorld::lead(const std::string& id) const {
    return model_of<rules::Lead>(store_, {"lead", id});
}

std::optional<rules::Deal> StoreWorld::deal(const std::string& id) const {
    return model_of<rules::Deal>(store_, {"deal", id});
}

std::vector<rules::TimelineComment> StoreWorld::timeline_comments(
    const rules::EntityRef& owner) const {
    auto out = models_with<rules::TimelineComment>(store_, terms::comment_owner, owner.key());
    auto number = [](const std::string& id) { return id.size(); };
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
        if (a.created != b.created) return a.created < b.created;
        return number(a.id) != number(b.id) ? number(a.id) < number(b.id) : a.id < b.id;
    });
    return out;
}

std::vector<rules::StageHistoryEntry> StoreWorld::stage_history(const std::string& deal_id) const {
    auto s = store_.get_snapshot(stage_history_key(deal_id));
    if (!s) return {};
    return stage_history_entries(stage_history_rows(s->json));
}

std::vector<rules::Call> StoreWorld::calls_of(const rules::EntityRef& owner) const {
    std::vector<rules::Call> out;
    for (const auto& s : store_.find_snapshots(terms::call_lead, owner.key())) {
        auto j = nlohmann::json::parse(s.json, nullptr, false);
        if (!j.is_object()) continue;
        try {
            out.push_back(j.get<rules::Call>());
        } catch (const std::exception&) {
            // A snapshot of another shape under the term: not a call.
        }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    return out;
}

bool StoreWorld::is_present(const std::string& user_id, TimePoint at) const {
    return !presence_ || presence_(user_id, at);
}

}  // namespace reglament::daemon
