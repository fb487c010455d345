// Typed views of the CRM, task, telephony and user objects the rules read. Each `*_from`
// accepts the legacy UPPER_CASE shape (crm.lead.get, crm.deal.list, ...) and the camelCase one
// (crm.item.*, tasks.task.*), bitrix24.md §4 and §6. Ids stay strings; a missing or "empty"
// field is an empty string / nullopt; datetimes without an offset are left unset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/clock.hpp"

namespace reglament::bitrix {

// One PHONE / EMAIL entry: [{"ID","VALUE_TYPE","VALUE","TYPE_ID"}] or crm.item's fm entries.
struct Multifield {
    std::string id;
    std::string type_id;     // PHONE, EMAIL, WEB, IM
    std::string value_type;  // WORK, MOBILE, ...
    std::string value;
};

struct Lead {
    std::string id, title, status_id, status_semantic_id, source_id, assigned_by_id, created_by_id,
        contact_id, company_id;
    std::optional<TimePoint> date_create, date_modify, date_closed, moved_time;
    std::vector<Multifield> phones, emails;
};

struct Deal {
    std::string id, title, stage_id, stage_semantic_id, category_id, currency_id, assigned_by_id,
        lead_id, contact_id, company_id;
    std::optional<bool> closed;
    std::optional<double> opportunity;
    std::optional<TimePoint> date_create, date_modify, moved_time, close_date;
};

struct Task {
    std::string id, title, responsible_id, created_by;
    std::optional<int> status;  // 2 pending, 3 in progress, 4 awaiting control, 5 done, 6 deferred
    std::optional<int> priority;  // 0 low, 1 medium, 2 high
    std::optional<TimePoint> deadline, created_date, changed_date, closed_date;
    std::vector<std::string> crm_bindings;  // UF_CRM_TASK: "L_4", "D_10", ...
};

struct Activity {
    std::string id, owner_type_id, owner_id, type_id, provider_id, provider_type_id, responsible_id,
        subject;
    std::optional<int> direction;  // 1 incoming, 2 outgoing
    std::optional<bool> completed;
    std::optional<TimePoint> created, start_time, end_time, deadline;
};

// voximplant.statistic.get rows and ONVOXIMPLANTCALLEND data.
struct Call {
    std::string id, call_id, portal_user_id, portal_number, phone_number, failed_code,
        failed_reason, crm_entity_type, crm_entity_id, crm_activity_id, record_url;
    std::optional<int> call_type;  // 1 outgoing, 2 incoming, 3 redirected, 4 callback, 5 info
    std::optional<long long> duration_seconds;
    std::optional<TimePoint> start;
    bool answered() const { return failed_code == "200"; }
};

struct User {
    std::string id, name, last_name, email, work_position, user_type;
    std::optional<bool> active;
    std::vector<std::string> departments;
};

enum class StageSemantics { process, success, failure, apology };

// crm.status.list items (lead statuses, deal stages) and crm.item-style stages.
struct Stage {
    std::string status_id, name, entity_id, category_id;
    std::optional<int> sort;
    StageSemantics semantics = StageSemantics::process;
};

Lead lead_from(const nlohmann::json& obj);
Deal deal_from(const nlohmann::json& obj);
Task task_from(const nlohmann::json& obj);  // also unwraps {"task": {...}}
Activity activity_from(const nlohmann::json& obj);
Call call_from(const nlohmann::json& obj);
User user_from(const nlohmann::json& obj);
Stage stage_from(const nlohmann::json& obj);

// PHONE/EMAIL from the legacy list or crm.item's `fm` (array, or object keyed by id).
std::vector<Multifield> multifields(const nlohmann::json& obj, const char* type_id);

}  // namespace reglament::bitrix
