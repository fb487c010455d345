#include "rules/lead/common.hpp"

#include <algorithm>

#include "rules/iso_time.hpp"

namespace reglament::rules {

using nlohmann::json;

namespace {
template <typename T>
const T* pick(const Entity& after, const Entity& before) {
    if (auto* v = std::get_if<T>(&after)) return v;
    return std::get_if<T>(&before);
}
}  // namespace

const Lead* lead_of(const RuleContext& c) {
    return pick<Lead>(c.after, c.before);
}
const Task* task_of(const RuleContext& c) {
    return pick<Task>(c.after, c.before);
}
const Lead* lead_before(const RuleContext& c) {
    return std::get_if<Lead>(&c.before);
}
const Task* task_before(const RuleContext& c) {
    return std::get_if<Task>(&c.before);
}

std::string crm_binding(const EntityRef& e) {
    if (e.type == "lead") return "L_" + e.id;
    if (e.type == "deal") return "D_" + e.id;
    if (e.type == "contact") return "C_" + e.id;
    if (e.type == "company") return "CO_" + e.id;
    return "";
}

std::string iso(TimePoint t) {
    return format_iso8601(t);
}

std::string local_text(const Calendar& calendar, TimePoint t) {
    return date::format("%d.%m.%Y %H:%M",
                        std::chrono::floor<std::chrono::minutes>(calendar.to_local(t)));
}

std::string person_name(const Staff& staff, const std::string& user_id) {
    const Person* p = staff.find_by_user(user_id);
    return p && !p->name.empty() ? p->name : user_id;
}

Action make_action(std::string kind, const EntityRef& entity, json params, std::string key,
                   std::string reason) {
    return Action{std::move(kind), entity, std::move(params), std::move(key), std::move(reason)};
}

Action notify(const EntityRef& entity, const std::string& user_id, const std::string& message,
              std::string key, std::string reason) {
    return make_action("notify", entity, {{"user_id", user_id}, {"message", message}},
                       std::move(key), std::move(reason));
}

TimerChange arm(const EntityRef& entity, std::string purpose, TimePoint due, json payload) {
    return TimerChange{entity, std::move(purpose), due, std::move(payload)};
}

TimerChange cancel(const EntityRef& entity, std::string purpose) {
    return TimerChange{entity, std::move(purpose), std::nullopt, json::object()};
}

std::map<std::string, std::string> lead_values(const Lead& lead, const Staff& staff) {
    return {{"lead_id", lead.id},
            {"lead_title", lead.title},
            {"responsible", person_name(staff, lead.assigned_by_id)}};
}

nlohmann::json message_values(const Lead& lead, const Staff& staff, const Calendar& calendar,
                              const std::string& meeting_field) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [k, v] : lead_values(lead, staff))
        values[k] = v;
    values["client_name"] = lead.name;
    values["client_last_name"] = lead.last_name;
    values["manager_name"] = person_name(staff, lead.assigned_by_id);
    values["meeting_time"] = "";
    if (!meeting_field.empty())
        if (auto it = lead.fields.find(meeting_field); it != lead.fields.end() && it->is_string())
            if (auto at = parse_iso8601(it->get<std::string>()))
                values["meeting_time"] = local_text(calendar, *at);
    return values;
}

Escalation Escalation::read(Params& p, std::string_view key) {
    return Escalation{p.text_list(key, {})};
}

std::vector<std::string> Escalation::user_ids(const Staff& staff) const {
    std::vector<std::string> out;
    if (head_keys.empty()) {
        for (const auto& h : staff.heads)
            out.push_back(h.user_id);
        return out;
    }
    for (const auto& key : head_keys)
        if (const Person* p = staff.find_by_key(key)) out.push_back(p->user_id);
    return out;
}

void Escalation::notify_all(std::vector<Action>& out, const Staff& staff, const EntityRef& entity,
                            const std::string& message, const std::string& key,
                            const std::string& why) const {
    for (const auto& head : user_ids(staff))
        out.push_back(notify(entity, head, message, key + ":" + head, why));
}

StatusMove StatusMove::read(Params& p, const std::string& prefix, std::string_view status_id,
                            std::string_view reason, std::string_view comment) {
    StatusMove m;
    m.status_id = p.required_text(prefix + "status_id", status_id);
    m.reason = p.text(prefix + "reason", reason);
    m.reason_field = p.text("reason_field", "");
    m.comment = p.text(prefix + "comment", comment);
    return m;
}

std::vector<Action> StatusMove::actions(const Lead& lead, const Staff& staff,
                                        const std::string& key, const std::string& why) const {
    EntityRef entity{"lead", lead.id};
    json fields{{"STATUS_ID", status_id}};
    if (!reason_field.empty() && !reason.empty()) fields[reason_field] = reason;
    std::vector<Action> out;
    out.push_back(make_action("lead.update", entity, {{"lead_id", lead.id}, {"fields", fields}},
                              key + ":status", why));
    if (!comment.empty()) {
        auto values = lead_values(lead, staff);
        values["reason"] = reason;
        out.push_back(make_action("timeline.comment", entity,
                                  {{"entity_type", "lead"},
                                   {"entity_id", lead.id},
                                   {"text", fill(comment, values)},
                                   {"pin", false}},
                                  key + ":comment", why));
    }
    return out;
}

std::optional<std::string> next_present_manager(const Staff& staff, const World& world,
                                                const std::string& current, TimePoint at) {
    const auto& m = staff.managers;
    if (m.empty()) return std::nullopt;
    std::size_t start = 0;
    for (std::size_t i = 0; i < m.size(); ++i)
        if (m[i].user_id == current) start = i + 1;
    for (std::size_t n = 0; n < m.size(); ++n) {
        const auto& p = m[(start + n) % m.size()];
        if (p.user_id != current && world.is_present(p.user_id, at)) return p.user_id;
    }
    return std::nullopt;
}

bool lead_closed(const Lead& lead) {
    return !lead.in_process();
}

bool in_scope(const Task& task, const Staff& staff) {
    for (const auto& b : task.crm_bindings)
        if (b.starts_with("L_") || b.starts_with("D_")) return true;
    return std::any_of(staff.managers.begin(), staff.managers.end(),
                       [&](const Person& p) { return p.user_id == task.responsible_id; });
}

bool bound_lead_left(const Task& task, const World& world) {
    for (const auto& b : task.crm_bindings) {
        if (!b.starts_with("L_")) continue;
        if (auto lead = world.lead(b.substr(2)); lead && !lead->in_process()) return true;
    }
    return false;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace reglament::rules
