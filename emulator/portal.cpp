#include "emulator/portal.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/listing.hpp"
#include "emulator/rest_error.hpp"

namespace reglament::emulator {

const json* param(const json& params, const std::string& name) {
    if (!params.is_object()) return nullptr;
    auto it = params.find(name);
    if (it != params.end()) return &*it;
    auto up = upper(name);
    for (auto i = params.begin(); i != params.end(); ++i)
        if (upper(i.key()) == up) return &*i;
    return nullptr;
}

Id param_id(const json& params, const std::string& name) {
    const json* v = param(params, name);
    if (!v || v->is_null()) throw bad_argument("Parameter '" + name + "' is required");
    try {
        if (v->is_number()) return v->get<Id>();
        if (v->is_string()) return std::stoll(v->get<std::string>());
    } catch (...) {
    }
    throw bad_argument("Parameter '" + name + "' must be an integer");
}

Portal::Portal() {
    deal_categories.push_back({0, "Общая", 100, true});
}

Id Portal::next_id(const std::string& kind) {
    return ++sequences_[kind];
}

const std::map<std::string, Portal::Handler>& Portal::handlers() {
    static const std::map<std::string, Handler> table = {
        {"crm.lead.get", &Portal::lead_get},
        {"crm.lead.list", &Portal::lead_list},
        {"crm.lead.add", &Portal::lead_add},
        {"crm.lead.update", &Portal::lead_update},
        {"crm.deal.get", &Portal::deal_get},
        {"crm.deal.list", &Portal::deal_list},
        {"crm.deal.add", &Portal::deal_add},
        {"crm.deal.update", &Portal::deal_update},
        {"crm.item.get", &Portal::item_get},
        {"crm.item.list", &Portal::item_list},
        {"crm.item.update", &Portal::item_update},
        {"crm.status.list", &Portal::status_list},
        {"crm.category.list", &Portal::category_list},
        {"crm.stagehistory.list", &Portal::stagehistory_list},
        {"crm.duplicate.findbycomm", &Portal::duplicate_findbycomm},
        {"crm.activity.list", &Portal::activity_list},
        {"crm.activity.add", &Portal::activity_add},
        {"crm.activity.update", &Portal::activity_update},
        {"crm.activity.todo.add", &Portal::activity_todo_add},
        {"crm.timeline.comment.add", &Portal::timeline_comment_add},
        {"crm.timeline.comment.list", &Portal::timeline_comment_list},
        {"crm.timeline.comment.get", &Portal::timeline_comment_get},
        {"crm.timeline.item.pin", &Portal::timeline_item_pin},
        {"tasks.task.add", &Portal::task_add},
        {"tasks.task.update", &Portal::task_update},
        {"tasks.task.get", &Portal::task_get},
        {"tasks.task.list", &Portal::task_list},
        {"tasks.task.complete", &Portal::task_complete},
        {"task.commentitem.add", &Portal::task_comment_add},
        {"task.commentitem.getlist", &Portal::task_comment_list},
        {"user.get", &Portal::user_get},
        {"im.user.get", &Portal::im_user_get},
        {"timeman.status", &Portal::timeman_status},
        {"im.notify.system.add", &Portal::notify_system},
        {"im.notify.personal.add", &Portal::notify_personal},
        {"im.notify", &Portal::notify_personal},
        {"voximplant.statistic.get", &Portal::voximplant_statistic},
    };
    return table;
}

bool Portal::knows(const std::string& method) {
    return handlers().count(method) > 0;
}

MethodResult Portal::execute(const std::string& method, const json& params, const Caller& caller,
                             Instant now) {
    auto it = handlers().find(method);
    if (it == handlers().end()) throw RestError(400, "ERROR_METHOD_NOT_FOUND", "Method not found!");
    ++calls_by_method[method];
    const json& p = params.is_object() ? params : json::object();
    auto r = (this->*(it->second))(p, caller, now);
    if (r.cost == 0) r.cost = kBaseCost;
    return r;
}

// ---------------------------------------------------------------- lookups

template <class Row>
static Row* find_by_id(std::vector<Row>& rows, Id id) {
    auto it =
        std::lower_bound(rows.begin(), rows.end(), id, [](const Row& r, Id v) { return r.id < v; });
    return it != rows.end() && it->id == id ? &*it : nullptr;
}

Lead* Portal::find_lead(Id id) {
    return find_by_id(leads, id);
}
Deal* Portal::find_deal(Id id) {
    return find_by_id(deals, id);
}
Task* Portal::find_task(Id id) {
    return find_by_id(tasks, id);
}
Activity* Portal::find_activity(Id id) {
    return find_by_id(activities, id);
}
User* Portal::find_user(Id id) {
    for (auto& u : users)
        if (u.id == id) return &u;
    return nullptr;
}

const Status* Portal::find_status(const std::string& entity_id,
                                  const std::string& status_id) const {
    for (const auto& s : statuses)
        if (s.entity_id == entity_id && s.status_id == status_id) return &s;
    return nullptr;
}

std::string stage_entity(Id category) {
    return category == 0 ? "DEAL_STAGE" : "DEAL_STAGE_" + std::to_string(category);
}

char Portal::lead_semantic(const std::string& status_id) const {
    const auto* s = find_status("STATUS", status_id);
    return s ? s->semantics : 'P';
}

char Portal::deal_semantic(Id category, const std::string& stage_id) const {
    const auto* s = find_status(stage_entity(category), stage_id);
    return s ? s->semantics : 'P';
}

std::string Portal::first_stage(Id category) const {
    const Status* best = nullptr;
    for (const auto& s : statuses)
        if (s.entity_id == stage_entity(category) && (!best || s.sort < best->sort)) best = &s;
    if (best) return best->status_id;
    return category == 0 ? "NEW" : "C" + std::to_string(category) + ":NEW";
}

Status& Portal::add_status(Status s) {
    // STATUS_ID is capped at 21 characters, so long codes arrive truncated (bitrix24.md §6).
    if (s.status_id.size() > 21) s.status_id.resize(21);
    if (s.id == 0) s.id = next_id("status");
    statuses.push_back(std::move(s));
    return statuses.back();
}

std::uint16_t Portal::user_field_index(const std::string& entity, const std::string& name) {
    for (std::size_t i = 0; i < user_fields.size(); ++i)
        if (user_fields[i].entity == entity && user_fields[i].name == name)
            return static_cast<std::uint16_t>(i);
    user_fields.push_back({entity, name, "string", name});
    return static_cast<std::uint16_t>(user_fields.size() - 1);
}

}  // namespace reglament::emulator
