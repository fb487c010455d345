// The Bitrix24 portal as data and REST methods, with no I/O and no clock of its own: every
// call gets `now`. Envelope, limits and authentication are the RestApi's business; this class
// answers "what does crm.lead.list return for these parameters".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/model.hpp"
#include "emulator/query.hpp"

namespace reglament::emulator {

using json = nlohmann::json;

// Who is calling: the webhook's or token's user.
struct Caller {
    Id user_id = 1;
    std::string credential;  // the operating budget is kept per credential and method
};

struct MethodResult {
    MethodResult() = default;
    MethodResult(json r) : result(std::move(r)) {}  // NOLINT: a bare result is the common case
    MethodResult(json r, std::optional<std::int64_t> t,
                 std::optional<std::int64_t> n = std::nullopt, double c = 0)
        : result(std::move(r)), total(t), next(n), cost(c) {}
    json result;
    std::optional<std::int64_t> total;
    std::optional<std::int64_t> next;
    double cost = 0;  // seconds of "operating" this call charges (bitrix24.md §2)
};

// What a change emits; the event queue turns it into the documented form body.
struct PortalEvent {
    std::string name;  // "ONCRMLEADADD"
    json data;         // the `data` part: {"FIELDS": {"ID": "5"}}
};

class Portal {
  public:
    Portal();

    // Runs one method. Throws RestError for documented failures (unknown method:
    // ERROR_METHOD_NOT_FOUND).
    MethodResult execute(const std::string& method, const json& params, const Caller& caller,
                         Instant now);
    static bool knows(const std::string& method);

    // --- the data, for the control API, scenarios and assertions ---
    int utc_offset_minutes = 180;  // the portal's time zone (Moscow)
    std::string domain = "emulator.bitrix24.ru";

    std::vector<Department> departments;
    std::vector<User> users;
    std::vector<Status> statuses;
    std::vector<Category> deal_categories;
    std::vector<UserFieldDef> user_fields;
    std::vector<Lead> leads;  // ordered by id
    std::vector<Deal> deals;  // ordered by id
    std::vector<Task> tasks;  // ordered by id
    std::vector<TaskComment> task_comments;
    std::vector<Activity> activities;
    std::vector<TimelineComment> timeline_comments;
    std::vector<StageHistory> lead_history, deal_history;
    std::vector<Call> calls;
    std::vector<Notification> notifications;
    std::vector<PortalEvent> pending_events;  // drained by the RestApi / Emulator

    // --- changes, shared by REST methods and the control API (each emits its event) ---
    Lead& add_lead(json fields, Id by, Instant now);
    Lead& update_lead(Id id, const json& fields, Id by, Instant now);
    Deal& add_deal(json fields, Id by, Instant now);
    Deal& update_deal(Id id, const json& fields, Id by, Instant now, bool allow_category_move);
    Task& add_task(const json& fields, Id by, Instant now);
    Task& update_task(Id id, const json& fields, Id by, Instant now);
    Task& complete_task(Id id, Id by, Instant now);
    TaskComment& add_task_comment(Id task_id, Id author, const std::string& text, Instant now);
    Activity& add_activity(const json& fields, Id by, Instant now);
    Activity& update_activity(Id id, const json& fields, Instant now);
    TimelineComment& add_timeline_comment(const std::string& entity_type, Id entity_id,
                                          const std::string& text, Id by, Instant now);
    Call& add_call(Call call, bool create_activity, Instant now);
    Status& add_status(Status s);
    std::uint16_t user_field_index(const std::string& entity, const std::string& name);

    Lead* find_lead(Id id);
    Deal* find_deal(Id id);
    Task* find_task(Id id);
    Activity* find_activity(Id id);
    User* find_user(Id id);
    const Status* find_status(const std::string& entity_id, const std::string& status_id) const;
    char lead_semantic(const std::string& status_id) const;
    char deal_semantic(Id category, const std::string& stage_id) const;
    std::string first_stage(Id category) const;

    std::string iso(Instant t) const { return format_iso(t, utc_offset_minutes); }

    // Field tables (legacy names, camel names, kinds), also used for filters by the control API.
    std::vector<Field<Lead>> lead_fields() const;
    std::vector<Field<Deal>> deal_fields() const;

    // Called before each method: counts calls for the control API's read-back.
    std::map<std::string, std::int64_t> calls_by_method;

  private:
    Id next_id(const std::string& kind);
    std::unordered_map<std::string, Id> sequences_;
    std::string first_status_or_new() const;
    void apply_lead_fields(Lead& l, const json& fields);
    void apply_deal_fields(Deal& d, const json& fields);
    void record_lead_stage(const Lead& l, int type, Instant now);
    void record_deal_stage(const Deal& d, int type, Instant now);
    void emit(std::string name, json data) {
        pending_events.push_back({std::move(name), std::move(data)});
    }

    using Handler = MethodResult (Portal::*)(const json&, const Caller&, Instant);
    static const std::map<std::string, Handler>& handlers();

    MethodResult lead_get(const json&, const Caller&, Instant);
    MethodResult lead_list(const json&, const Caller&, Instant);
    MethodResult lead_add(const json&, const Caller&, Instant);
    MethodResult lead_update(const json&, const Caller&, Instant);
    MethodResult deal_get(const json&, const Caller&, Instant);
    MethodResult deal_list(const json&, const Caller&, Instant);
    MethodResult deal_add(const json&, const Caller&, Instant);
    MethodResult deal_update(const json&, const Caller&, Instant);
    MethodResult item_get(const json&, const Caller&, Instant);
    MethodResult item_list(const json&, const Caller&, Instant);
    MethodResult item_update(const json&, const Caller&, Instant);
    MethodResult status_list(const json&, const Caller&, Instant);
    MethodResult category_list(const json&, const Caller&, Instant);
    MethodResult stagehistory_list(const json&, const Caller&, Instant);
    MethodResult duplicate_findbycomm(const json&, const Caller&, Instant);
    MethodResult activity_list(const json&, const Caller&, Instant);
    MethodResult activity_add(const json&, const Caller&, Instant);
    MethodResult activity_update(const json&, const Caller&, Instant);
    MethodResult activity_todo_add(const json&, const Caller&, Instant);
    MethodResult timeline_comment_add(const json&, const Caller&, Instant);
    MethodResult timeline_comment_list(const json&, const Caller&, Instant);
    MethodResult timeline_comment_get(const json&, const Caller&, Instant);
    MethodResult timeline_item_pin(const json&, const Caller&, Instant);
    MethodResult task_add(const json&, const Caller&, Instant);
    MethodResult task_update(const json&, const Caller&, Instant);
    MethodResult task_get(const json&, const Caller&, Instant);
    MethodResult task_list(const json&, const Caller&, Instant);
    MethodResult task_complete(const json&, const Caller&, Instant);
    MethodResult task_comment_add(const json&, const Caller&, Instant);
    MethodResult task_comment_list(const json&, const Caller&, Instant);
    MethodResult user_get(const json&, const Caller&, Instant);
    MethodResult im_user_get(const json&, const Caller&, Instant);
    MethodResult timeman_status(const json&, const Caller&, Instant);
    MethodResult notify_system(const json&, const Caller&, Instant);
    MethodResult notify_personal(const json&, const Caller&, Instant);
    MethodResult voximplant_statistic(const json&, const Caller&, Instant);
    MethodResult notify(const std::string& kind, const json&, const Caller&, Instant);
};

// "DEAL_STAGE" for the default funnel, "DEAL_STAGE_<id>" for the others.
std::string stage_entity(Id category);

// Case-insensitive parameter lookup: Bitrix24 accepts "id"/"ID", "fields"/"FIELDS".
const json* param(const json& params, const std::string& name);
Id param_id(const json& params, const std::string& name);

}  // namespace reglament::emulator
