// The portal's data, kept compact: one struct per record, not one JSON document, so that a
// million leads fit in memory (about 300 bytes each).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/timefmt.hpp"

namespace reglament::emulator {

using Id = std::int64_t;

struct Department {
    Id id = 0;
    std::string name;
    Id parent = 0;
    Id head = 0;
};

struct Absence {
    Instant from{};
    Instant to{};
    std::string reason;
};

struct User {
    Id id = 0;
    std::string name, last_name, email, position;
    bool active = true;
    std::vector<Id> departments;
    std::vector<Absence> absences;
    std::string timeman_status = "OPENED";  // OPENED|CLOSED|PAUSED|EXPIRED
};

// Lead statuses (ENTITY_ID "STATUS") and deal stages ("DEAL_STAGE", "DEAL_STAGE_<cat>").
struct Status {
    Id id = 0;
    std::string entity_id;
    std::string status_id;  // at most 21 characters, as Bitrix24 truncates them
    std::string name;
    int sort = 10;
    Id category_id = 0;
    char semantics = 'P';  // P process, S success, F failure
    std::string color = "#39A8EF";
};

struct Category {
    Id id = 0;
    std::string name;
    int sort = 100;
    bool is_default = false;
};

// One PHONE/EMAIL value. type: 'P' phone, 'E' email.
struct Multifield {
    Id id = 0;
    char type = 'P';
    std::string value_type = "WORK";
    std::string value;
};

struct UserFieldDef {
    std::string entity;  // "CRM_LEAD", "CRM_DEAL"
    std::string name;    // "UF_CRM_..."
    std::string type;    // "string", "datetime", "date", "double", "boolean", "enumeration"
    std::string label;
};

using UfValues = std::vector<std::pair<std::uint16_t, std::string>>;  // index in uf table

struct Lead {
    Id id = 0;
    std::string title;
    std::string status_id = "NEW";
    std::string source_id;
    std::string name;
    Id assigned_by = 1, created_by = 1, modify_by = 1;
    Instant date_create{}, date_modify{}, moved_time{};
    double opportunity = 0;
    std::vector<Multifield> fm;
    UfValues uf;
    std::string comments;
};

struct Deal {
    Id id = 0;
    std::string title;
    Id category_id = 0;
    std::string stage_id = "NEW";
    Id assigned_by = 1, created_by = 1, modify_by = 1, lead_id = 0, contact_id = 0;
    Instant date_create{}, date_modify{}, moved_time{};
    double opportunity = 0;
    std::string currency = "RUB";
    UfValues uf;
    std::string comments;
};

struct TaskComment {
    Id id = 0;
    Id task_id = 0;
    Id author_id = 0;
    Instant post_date{};
    std::string message;
};

struct Task {
    Id id = 0;
    std::string title, description;
    std::string xml_id;  // "External identifier" (tasks/fields.md): set by tasks.task.add
    Id responsible_id = 0, created_by = 0, changed_by = 0;
    std::optional<Instant> deadline;
    int status = 2;  // 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred
    int priority = 1;
    std::vector<std::string> uf_crm_task;  // "L_4", "D_10"
    Instant created_date{}, changed_date{};
    std::optional<Instant> closed_date;
    std::vector<Id> comment_ids;
};

struct Activity {
    Id id = 0;
    int owner_type_id = 1;
    Id owner_id = 0;
    int type_id = 2;  // 1 meeting, 2 call, 3 task, 4 email, 6 provider
    std::string provider_id, provider_type_id;
    std::string subject, description;
    Id responsible_id = 0, author_id = 0;
    Instant start_time{}, end_time{}, deadline{}, created{}, last_updated{};
    int direction = 0;  // 1 incoming, 2 outgoing
    bool completed = false;
    int status = 1;
    int priority = 2;
    std::vector<std::pair<std::string, std::string>> communications;  // type, value
};

struct TimelineComment {
    Id id = 0;
    std::string entity_type;  // "lead", "deal"
    Id entity_id = 0;
    Id author_id = 0;
    Instant created{};
    std::string comment;
    bool pinned = false;
};

struct StageHistory {
    Id id = 0;
    int entity_type_id = 1;
    int type_id = 1;  // 1 created, 2 intermediate, 3 final, 5 funnel changed
    Id owner_id = 0;
    Instant created{};
    Id category_id = 0;
    std::string stage_id;
    char semantic = 'P';
};

struct Call {
    Id id = 0;
    std::string call_id;
    Id portal_user_id = 0;
    std::string portal_number = "+74950000000";
    std::string phone_number;
    int call_type = 1;  // 1 outgoing, 2 incoming
    int duration = 0;
    Instant start{};
    std::string failed_code = "200";
    std::string failed_reason = "Success call";
    std::string crm_entity_type;  // "LEAD"
    Id crm_entity_id = 0;
    Id crm_activity_id = 0;
};

struct Notification {
    Id id = 0;
    std::string kind;  // "system" | "personal"
    Id user_id = 0;
    Id from_user_id = 0;
    std::string message, tag, sub_tag;
    Instant created{};
};

}  // namespace reglament::emulator
