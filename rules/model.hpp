// The business's things as the rules see them, already normalised from Bitrix24's shapes
// (legacy UPPER_CASE, crm.item camelCase, "Y"/"N", string ids, any date offset) by the engine.
// Rules never see raw portal JSON, so a quirk of the API is handled once, at the edge.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/clock.hpp"

namespace reglament::rules {

// "lead:12", "deal:7", "task:40", "activity:9", "chat:79123456789", "global:L1".
struct EntityRef {
    std::string type;
    std::string id;
    std::string key() const { return type + ":" + id; }
    bool operator==(const EntityRef&) const = default;
    static EntityRef parse(const std::string& key);  // throws std::invalid_argument
};

struct Lead {
    std::string id;
    std::string title;
    std::string status_id;        // e.g. "NEW"; the config maps names to ids
    std::string status_semantic;  // "P" in process, "S" success, "F" failure
    std::string assigned_by_id;   // responsible user id
    std::string name, last_name;
    std::vector<std::string> phones;  // as the CRM holds them (normalise with wazzup/phone)
    std::vector<std::string> emails;
    std::string source_id;
    std::optional<TimePoint> created;
    std::optional<TimePoint> modified;
    std::optional<TimePoint> moved;                    // last status change
    nlohmann::json fields = nlohmann::json::object();  // UF_CRM_* and any other field by code
    // Set by the engine, not the portal: the status is one the rules send a lead to when it
    // leaves the call centre's process («Отказ» of L3, «Инкубатор» of H7; Rule::exit_status_ids).
    bool out_of_process = false;
    // Whether the lead is still the call centre's work: not won, lost, rejected or incubated.
    // A lead that left stops every lead rule's pending work.
    bool in_process() const {
        return !out_of_process && status_semantic != "S" && status_semantic != "F";
    }
};

struct Deal {
    std::string id;
    std::string title;
    std::string category_id = "0";  // pipeline; "0" is the default one
    std::string stage_id;           // "C1:NEW" style in non-default pipelines
    std::string stage_semantic;     // "P", "S", "F"
    std::string assigned_by_id;
    std::string lead_id;
    std::string contact_id;
    double opportunity = 0;
    bool closed = false;
    std::optional<TimePoint> created;
    std::optional<TimePoint> modified;
    std::optional<TimePoint> moved;
    nlohmann::json fields = nlohmann::json::object();
};

// Bitrix24 task statuses (api/bitrix24.md, "Tasks").
enum class TaskStatus : int {
    pending = 2,
    in_progress = 3,
    awaiting_control = 4,
    completed = 5,
    deferred = 6
};

// "reglament:<idempotency key>": a task's XML_ID (hidden from people), the last line of a
// comment the daemon writes (comments have no hidden field). It is how a task created after a
// crash is found again, and how rules tell the daemon's tasks and comments from people's.
inline constexpr std::string_view automated_tag = "reglament:";

// Whether `text` ends with the daemon's tag line.
inline bool carries_automated_tag(std::string_view text) {
    auto at = text.rfind(automated_tag);
    return at != std::string_view::npos && (at == 0 || text[at - 1] == '\n') &&
           text.find('\n', at) == std::string_view::npos;
}

struct Task {
    std::string id;
    std::string title;
    std::string description;
    std::string xml_id;  // the daemon's tag on its own tasks (automated_tag), else empty
    std::string responsible_id;
    std::string created_by;
    int status = 2;
    int priority = 1;  // 0 low, 1 medium, 2 high
    std::optional<TimePoint> deadline;
    std::optional<TimePoint> created;
    std::optional<TimePoint> closed;
    std::optional<TimePoint> changed;
    std::vector<std::string> crm_bindings;  // "L_4", "D_10", "C_7", "CO_5"
    int comments_count = 0;
    bool open() const { return status != 5 && status != 4; }
    // The outbox writes titles behind the marker ("[Регламент] Перезвонить клиенту"), which
    // rules do not know: a rule's title matches with or without a marker before it.
    bool titled(std::string_view rule_title) const {
        if (title == rule_title) return true;
        return title.size() > rule_title.size() + 1 && title.ends_with(rule_title) &&
               title[title.size() - rule_title.size() - 1] == ' ';
    }
    // Set by reglamentd (a regulation's task), not by a person.
    // The tag is the task's XML_ID (hidden from people); tasks of before kept it as the
    // description's last line.
    bool automated() const {
        return carries_automated_tag(xml_id) || carries_automated_tag(description);
    }
};

struct Activity {
    std::string id;
    int owner_type_id = 0;  // 1 lead, 2 deal, 3 contact, 4 company
    std::string owner_id;
    int type_id = 0;    // 1 meeting, 2 call, 3 task, 4 email, 6 provider
    int direction = 0;  // 1 incoming, 2 outgoing
    bool completed = false;
    std::string subject;
    std::string responsible_id;
    std::string provider_id;
    std::optional<TimePoint> start;
    std::optional<TimePoint> end;
    std::optional<TimePoint> deadline;
    std::vector<std::string> phones;  // from COMMUNICATIONS
};

// A finished telephony call (ONVOXIMPLANTCALLEND / voximplant.statistic.get).
struct Call {
    std::string call_id;
    int type = 0;  // 1 outgoing, 2 incoming, 3 incoming redirected, 4 callback, 5 informational
    std::string phone;
    std::string portal_user_id;
    int duration_seconds = 0;
    std::optional<TimePoint> start;
    std::string failed_code;      // "200" answered, "304" missed, "486" busy, ...
    std::string crm_entity_type;  // "LEAD", "CONTACT", "COMPANY"
    std::string crm_entity_id;
    std::string crm_activity_id;
    bool outgoing() const { return type == 1 || type == 4; }
    bool answered() const { return failed_code == "200" && duration_seconds > 0; }
};

// One row of crm.stagehistory.list for a deal (api/bitrix24.md, "Stage history").
struct StageHistoryEntry {
    int type_id = 0;  // 1 created, 2 intermediate stage, 3 final stage, 5 funnel changed
    std::string category_id;
    std::string stage_id;
    std::string stage_semantic;
    std::optional<TimePoint> at;  // CREATED_TIME: when the deal entered the stage
};

// A timeline comment (crm.timeline.comment.get). `pinned` stays nullopt: no REST method
// reports whether a comment is pinned (api/bitrix24.md, "Timeline comments and pinning").
struct TimelineComment {
    std::string id;
    std::string text;
    std::string author_id;
    std::optional<TimePoint> created;
    std::optional<bool> pinned;
    std::string owner_type;  // "lead", "deal", ... (ENTITY_TYPE)
    std::string owner_id;
    // Written by reglamentd (a rule's comment), not by a person: it is no manager's reason or
    // result.
    bool automated() const { return carries_automated_tag(text); }
};

// The seed's "Учёт клиентов" program's record of a deal, when an external check can reach it
// (the daemon cannot: it is a seam). The seed wants these to equal the deal's fields.
struct ClientAccountingRecord {
    std::string measure_date;  // "YYYY-MM-DD"
    std::optional<double> precalc_sum;
};

// A WhatsApp message seen through Wazzup's webhook.
struct ChatMessage {
    std::string message_id;
    std::string channel_id;
    std::string chat_id;   // digits of the client's number
    bool inbound = false;  // from the client (isEcho false, status "inbound")
    std::string status;    // inbound, sent, delivered, read, error
    std::string error_code;
    std::optional<TimePoint> at;
    std::string text;
};

// What reglamentd itself wrote to an entity, kept by the engine from the actions it committed:
// the value it set for each field (by the model's member name: "status", "deadline",
// "responsible_id", "status_id", "assigned_by_id", "stage_id", "fields.UF_CRM_X") with the
// moment it decided the write, and how many comments it added. It is how a rule tells the
// daemon's own footprints from a person's act, whatever text the portal shows.
struct Footprint {
    struct Write {
        std::string value;  // as text; a date in the snapshots' form (UTC ISO 8601)
        TimePoint at{};
    };
    std::map<std::string, Write> fields;
    int comments = 0;
    // Whether the daemon set `field` to `value` (its latest write of that field).
    bool wrote(const std::string& field, const std::string& value) const {
        auto it = fields.find(field);
        return it != fields.end() && it->second.value == value;
    }
    bool empty() const { return fields.empty() && comments == 0; }
};
void to_json(nlohmann::json& j, const Footprint& v);
void from_json(const nlohmann::json& j, Footprint& v);

// The people the regulations talk about, from config plus the portal's presence data.
struct Person {
    std::string key;  // config name, e.g. "ivanova"
    std::string user_id;
    std::string name;
};

struct Staff {
    std::vector<Person> managers;  // call-centre managers, in rotation order
    std::vector<Person> heads;
    const Person* find_by_key(const std::string& key) const;
    const Person* find_by_user(const std::string& user_id) const;
};

// JSON forms, used for snapshots in the store.
void to_json(nlohmann::json& j, const Lead& v);
void from_json(const nlohmann::json& j, Lead& v);
void to_json(nlohmann::json& j, const Deal& v);
void from_json(const nlohmann::json& j, Deal& v);
void to_json(nlohmann::json& j, const Task& v);
void from_json(const nlohmann::json& j, Task& v);
void to_json(nlohmann::json& j, const Activity& v);
void from_json(const nlohmann::json& j, Activity& v);
void to_json(nlohmann::json& j, const TimelineComment& v);
void from_json(const nlohmann::json& j, TimelineComment& v);
void to_json(nlohmann::json& j, const Call& v);
void from_json(const nlohmann::json& j, Call& v);
void to_json(nlohmann::json& j, const ChatMessage& v);
void from_json(const nlohmann::json& j, ChatMessage& v);

}  // namespace reglament::rules
