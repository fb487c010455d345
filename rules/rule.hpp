// What a regulation is to the engine: a pure decision. Given what happened (event), the entity
// before and after, the rule's own state, the time and the calendar, a rule returns the actions
// to take, the timers to (re)arm or cancel, and its new state. No I/O: the engine executes
// (ARCHITECTURE.md "Data flow"; STYLE.md "Boost.Redis").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/calendar.hpp"
#include "rules/clock.hpp"
#include "rules/model.hpp"

namespace reglament::rules {

enum class EventKind {
    created,  // ONCRM*ADD, ONTASKADD, first sight by the poller
    updated,  // ONCRM*UPDATE, ONTASKUPDATE, ONCRMDEALMOVETOCATEGORY, poller diff
    deleted,
    call_ended,     // ONVOXIMPLANTCALLEND, routed to the lead/deal of the call
    chat_message,   // Wazzup messages webhook, routed to the leads with that phone
    chat_status,    // Wazzup statuses webhook for a message we sent
    comment_added,  // ONTASKCOMMENTADD / ONCRMTIMELINECOMMENTADD
    timer,          // a timer of this rule fell due
    sweep,          // a periodic pass over every watched entity (H1, H2, H7 ...)
};

struct Event {
    EventKind kind = EventKind::updated;
    std::string name;  // the source's name: "ONCRMLEADUPDATE", "timer", "sweep", "wazzup.message"
    EntityRef entity;
    std::optional<Call> call;
    std::optional<ChatMessage> message;
    std::string timer_purpose;  // kind == timer
    nlohmann::json timer_payload;
    // kind == updated, name "lookup.duplicates": the answer to a rule's lookup action (below).
    nlohmann::json result;
    TimePoint at{};  // when it happened (the source's time, or the clock at intake)
    // kind == updated: every difference between before and after is a write the daemon itself
    // made (World::footprint) — the echo of a rule's action, never a manager's act to judge.
    bool by_daemon = false;
};

// An entity as the engine last saw it; monostate = not known (new, or not watched).
using Entity = std::variant<std::monostate, Lead, Deal, Task, Activity, TimelineComment>;

// Read-only questions about the rest of the portal, answered from the snapshot store.
class World {
  public:
    virtual ~World() = default;
    virtual std::vector<Task> open_tasks_bound_to(const std::string& binding) const = 0;  // "L_12"
    virtual std::vector<Activity> open_activities_of(const EntityRef& owner) const = 0;
    virtual std::vector<std::string> leads_with_phone(const std::string& digits) const = 0;
    virtual std::optional<Lead> lead(const std::string& id) const = 0;
    virtual std::optional<Deal> deal(const std::string& id) const = 0;
    // Shift from config, the portal's absence chart and inactive users.
    virtual bool is_present(const std::string& user_id, TimePoint at) const = 0;
    // Deal rules (D1, D6): the deal's stage history, oldest first; empty when unknown.
    virtual std::vector<StageHistoryEntry> stage_history(const std::string& deal_id) const {
        (void)deal_id;
        return {};
    }
    // D6, D7, R3: timeline comments of a lead or deal, oldest first.
    virtual std::vector<TimelineComment> timeline_comments(const EntityRef& owner) const {
        (void)owner;
        return {};
    }
    // D3: the deal's record in "Учёт клиентов"; nullopt when no external check is wired in.
    virtual std::optional<ClientAccountingRecord> client_accounting(
        const std::string& deal_id) const {
        (void)deal_id;
        return std::nullopt;
    }
    // What the daemon itself has written to an entity (model.hpp Footprint); empty when nothing.
    virtual Footprint footprint(const EntityRef& entity) const {
        (void)entity;
        return {};
    }
    // R4: finished calls of a lead (voximplant.statistic.get by CRM_ENTITY), oldest first.
    virtual std::vector<Call> calls_of(const EntityRef& owner) const {
        (void)owner;
        return {};
    }
};

struct RuleContext {
    const Event& event;
    const Entity& before;
    const Entity& after;
    const nlohmann::json& state;  // this rule's state for event.entity; null when none
    TimePoint now;
    const Calendar& calendar;
    const Staff& staff;
    const World& world;
};

// Things the outbox does. `kind` names a business operation; the outbox maps it to REST or
// Wazzup calls. Params by kind:
//   notify            {user_id, message}
//   task.add          {title, description, responsible_id, deadline (ISO), priority, bindings[]}
//   task.update       {task_id, fields{...}}       task.complete {task_id}
//   task.comment      {task_id, text}
//   timeline.comment  {entity_type "lead"|"deal", entity_id, text, pin (bool)}
//   lead.update       {lead_id, fields{...}}       deal.update {deal_id, fields{...}}
//   deal.move         {deal_id, category_id, stage_id}
//   activity.todo     {owner_type_id, owner_id, deadline, title, description, responsible_id}
//   activity.complete {activity_id}
//   wazzup.send       {phone, template, values{...}}  (template = the regulation's name)
//   journal.note      {text}   writes nothing to the portal: the journal records why a rule
//                              stopped or skipped something (a cadence's stop reason, an empty
//                              template slot). The outbox only journals it.
//   lookup.duplicates {entity_type "lead", entity_id, phones[] (normalised digits), emails[]}
//                     The outbox runs crm.duplicate.findbycomm (type PHONE, then EMAIL) for
//                     LEAD, CONTACT and COMPANY, plus deals of the contacts and companies found,
//                     reads each hit's title and responsible, and feeds the answer back to the
//                     asking rule as Event{kind updated, name "lookup.duplicates", entity the
//                     asked entity, result {"hits": [{"type": "lead"|"contact"|"company"|"deal",
//                     "id", "title", "assigned_by_id", "assigned_name"}]}} — also when there
//                     are no hits. The rule decides what a hit means (L2). A lookup keeps the
//                     rules pure and the REST calls in one place, and runs only for new leads.
// Field codes in lead.update / task.update are Bitrix24's: STATUS_ID, ASSIGNED_BY_ID, DEADLINE
// (ISO), UF_CRM_* (api/bitrix24.md). The outbox prefixes every text a person reads (comments,
// notifications, task descriptions) with the marker from [portal].marker.
struct Action {
    std::string kind;
    EntityRef entity;  // what the action is about (ordering and the journal)
    nlohmann::json params = nlohmann::json::object();
    std::string key;     // unique for this rule and entity: the idempotency key's tail
    std::string reason;  // a sentence for the journal and the demo output
};

// Re-arming the same (entity, purpose) replaces it; due == nullopt cancels it.
struct TimerChange {
    EntityRef entity;
    std::string purpose;
    std::optional<TimePoint> due;
    nlohmann::json payload = nlohmann::json::object();
};

struct Decision {
    std::vector<Action> actions;
    std::vector<TimerChange> timers;
    std::optional<nlohmann::json> state;  // nullopt: unchanged; null json: erase
    bool empty() const { return actions.empty() && timers.empty() && !state; }
};

class Rule {
  public:
    virtual ~Rule() = default;
    virtual std::string_view id() const = 0;
    // Whose state the engine loads into RuleContext::state and stores Decision::state under.
    // Usually the event's entity; L1 keeps one rotation for all leads under "global:L1". The
    // engine must serialise decisions that share a state entity.
    virtual EntityRef state_entity(const Event& event) const { return event.entity; }
    // Cheap filter so the engine does not build contexts for events a rule ignores.
    virtual bool interested(const Event& event) const = 0;
    virtual Decision decide(const RuleContext& context) const = 0;
    // Lead statuses this rule sends a lead to that take it out of the call centre's process
    // (L3's «Отказ», H7's «Инкубатор»). The engine marks a lead in any of them
    // Lead::out_of_process for every rule, so no rule works on after another has let it go.
    virtual std::vector<std::string> exit_status_ids() const { return {}; }
};

}  // namespace reglament::rules
