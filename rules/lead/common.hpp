// Small pieces every lead/task rule uses: reading the entity out of a context, building actions
// with their idempotency keys, resolving people, moving a lead's status with a reason.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules {

// The entity after the event, or before when the event deleted it.
const Lead* lead_of(const RuleContext& c);
const Task* task_of(const RuleContext& c);
const Lead* lead_before(const RuleContext& c);
const Task* task_before(const RuleContext& c);

// "L_12" for lead:12, "D_7" for deal:7, "C_3" for contact:3; "" for anything else.
std::string crm_binding(const EntityRef& entity);

std::string iso(TimePoint t);
// "02.03.2026 09:00" in the calendar's zone, for texts people read.
std::string local_text(const Calendar& calendar, TimePoint t);
// The responsible's name from [people], or the user id when the person is not in config.
std::string person_name(const Staff& staff, const std::string& user_id);

Action make_action(std::string kind, const EntityRef& entity, nlohmann::json params,
                   std::string key, std::string reason);
Action notify(const EntityRef& entity, const std::string& user_id, const std::string& message,
              std::string key, std::string reason);

TimerChange arm(const EntityRef& entity, std::string purpose, TimePoint due,
                nlohmann::json payload = nlohmann::json::object());
TimerChange cancel(const EntityRef& entity, std::string purpose);

// Placeholders every lead text may use: {lead_id}, {lead_title}, {responsible} (name or id).
std::map<std::string, std::string> lead_values(const Lead& lead, const Staff& staff);

// Placeholders of a Wazzup template sent about a lead ([wazzup.templates]): lead_values() plus
// {client_name}, {client_last_name}, {manager_name}, and {meeting_time} ("05.03.2026 15:00")
// from `meeting_field` when the lead has a date there.
nlohmann::json message_values(const Lead& lead, const Staff& staff, const Calendar& calendar,
                              const std::string& meeting_field = "");

// Heads by their config keys; an empty list means every head of [people].
struct Escalation {
    std::vector<std::string> head_keys;
    static Escalation read(Params& p, std::string_view key = "heads");
    std::vector<std::string> user_ids(const Staff& staff) const;
    // One notification per head, keyed "<key>:<head user id>".
    void notify_all(std::vector<Action>& out, const Staff& staff, const EntityRef& entity,
                    const std::string& message, const std::string& key,
                    const std::string& why) const;
};

// Moving a lead to a status with a reason ("Отказ" / "Некорректные данные"). The reason goes to
// a user field when the portal has one (reason_field), and always to a timeline comment.
struct StatusMove {
    std::string status_id;
    std::string reason;
    std::string reason_field;  // "" = the portal keeps refusal reasons in comments only
    std::string comment;       // placeholders: {reason} and lead_values()
    // Keys: <prefix>status_id, <prefix>reason, reason_field, <prefix>comment.
    static StatusMove read(Params& p, const std::string& prefix, std::string_view status_id,
                           std::string_view reason, std::string_view comment);
    std::vector<Action> actions(const Lead& lead, const Staff& staff, const std::string& key,
                                const std::string& why) const;
};

// The next present call-centre manager after `current` in rotation order; nullopt when no one
// else is present.
std::optional<std::string> next_present_manager(const Staff& staff, const World& world,
                                                const std::string& current, TimePoint at);

// Not the call centre's work any more: won, lost, rejected or incubated (Lead::in_process).
bool lead_closed(const Lead& lead);

// ОП-15's reach: a task of a configured call-centre manager, or one bound to a lead or deal.
// Anyone else's own task (the accountant's) is none of the regulations' business.
bool in_scope(const Task& task, const Staff& staff);
// Whether the task is bound to a lead that has left the process (World::lead marks it).
bool bound_lead_left(const Task& task, const World& world);

bool contains(const std::vector<std::string>& list, const std::string& value);

}  // namespace reglament::rules
