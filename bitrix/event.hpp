// Outbound events (outgoing webhooks and event.bind): a form-urlencoded POST with PHP bracket
// keys, bitrix24.md §5. Parsing is pure; the daemon's intake calls it with the raw body.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bitrix/entities.hpp"
#include "rules/clock.hpp"

namespace reglament::bitrix {

enum class EntityType {
    unknown,
    lead,
    deal,
    contact,
    company,
    activity,
    timeline_comment,
    task,
    task_comment,
    call,
    user,
    app
};

std::string_view to_string(EntityType t);

struct EventAuth {
    std::string domain, client_endpoint, server_endpoint, member_id, application_token;
    // Application events only, and not when automation caused the change (§5).
    std::string access_token, refresh_token;
};

struct Event {
    std::string name;  // upper-cased: "onCrmActivityAdd" -> "ONCRMACTIVITYADD"
    std::string handler_id;
    EntityType entity = EntityType::unknown;
    std::string entity_id;  // may be empty (ONAPPINSTALL) or "0" (new task chat comments)
    std::string task_id;    // task comment events: the task the comment belongs to
    std::string category_id, stage_id;  // ONCRMDEALMOVETOCATEGORY
    std::optional<Call> call;           // ONVOXIMPLANTCALLEND carries the full call (§5)
    std::optional<TimePoint> ts;        // when the queue sent it
    EventAuth auth;
    nlohmann::json data;  // `data` as decoded, for anything not lifted above

    // Case-insensitive: names arrive as ONCRMLEADADD and as onCrmActivityAdd.
    bool is(std::string_view event_name) const;
};

struct EventParseResult {
    std::optional<Event> event;
    std::string error;  // one line, no secrets; set when event is empty
    // auth[application_token] as sent, also when the rest is malformed (so a forged body
    // gets 401, not a description of what is wrong with it). Empty when the body is no form.
    std::string application_token;
    // The body is a form but holds more fields than an event can (413, not 400).
    bool too_large = false;
};

// Refuses (with the reason) a body that is no bounded, well-formed UTF-8 form, a `ts` outside
// 1970-2100, and an entity id a rule could never use: CRM, task and user ids must be positive
// integers, call ids printable ASCII.
EventParseResult parse_event(std::string_view form_body);

// Constant-time comparison of auth[application_token] with the configured one (§5
// "Verifying application_token"). An empty expected token never matches.
bool token_matches(std::string_view expected, std::string_view got);

}  // namespace reglament::bitrix
