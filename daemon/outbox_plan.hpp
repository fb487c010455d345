// What an outbox row means on the wire: the Bitrix24 REST call(s) or the Wazzup message for a
// rules::Action (rules/rule.hpp lists the kinds and their params), the lookup that resolves a
// create whose outcome is unknown, and what to do after a failure. Pure: no I/O, no Asio; the
// worker (outbox_worker.hpp) carries the plan out.
//
// Exactly-once for creates (ARCHITECTURE.md "Data flow" 3): every create carries the tag
// "reglament:<idempotency key>" at the end of a text it writes (task DESCRIPTION, comment text,
// to-do description). Before a create is tried again after any earlier attempt, the worker
// runs the plan's lookup and takes a row carrying the tag as the created one.
// Notifications (im.notify.system.add) cannot be looked up (bitrix24.md §6 "Notifications": no
// list method), so a notify whose outcome is unknown is sent again: a second identical
// notification is a nuisance, a missing one may cost a lead. Updates are idempotent (they set
// fixed values) and are simply repeated.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/error.hpp"
#include "bitrix/pager.hpp"
#include "bitrix/retry.hpp"
#include "config/config.hpp"
#include "store/records.hpp"
#include "wazzup/message.hpp"

namespace reglament::daemon {

// What the planner needs from the config.
struct PlanSettings {
    std::string marker;  // Config.portal.marker, e.g. "[Регламент]"
    std::map<std::string, config::MessageTemplate> templates;  // Config.wazzup.templates
    std::string wazzup_channel_id;                             // free text
    std::string wazzup_waba_channel_id;  // WABA templates; empty: none configured
    std::string default_country = "7";
    std::map<std::string, std::string> user_names;  // Bitrix24 user id -> name (people)
    // Times go out as the documents write them: the portal's local time with its offset
    // ("2026-03-02T18:00:00+03:00"). IANA name; UTC ("+00:00") when unknown.
    std::string time_zone;
};
PlanSettings plan_settings(const config::Config& config);

struct BitrixCall {
    std::string method;
    nlohmann::json params = nlohmann::json::object();
    bitrix::Idempotency idempotency = bitrix::Idempotency::idempotent;
    // When set, params[id_param] is filled with the id the plan's create returned (a pin
    // after its comment).
    std::optional<std::string> id_param = std::nullopt;
};

// A read that finds an earlier attempt's create by its tag.
struct Lookup {
    BitrixCall call;
    bitrix::ListShape shape = bitrix::ListShape::legacy;
    std::string id_field;    // "ID" or "id"
    std::string text_field;  // where the tag was written
    std::string tag;         // "reglament:<idempotency key>"
};

enum class PlanKind {
    bitrix,      // calls[0] is the main call (a create when lookup is set), then follow-ups
    wazzup,      // message
    journal,     // writes nothing: the journal line is the whole action (journal.note)
    duplicates,  // lookup.duplicates: reads, answered by an inbox event (duplicate_lookup.hpp)
    invalid,     // params the outbox cannot carry out: a final failure with `error`
};

struct ActionPlan {
    PlanKind kind = PlanKind::invalid;
    std::vector<BitrixCall> calls;
    std::optional<Lookup> lookup;  // set for creates that can be looked up
    wazzup::OutgoingMessage message;
    bool skip = false;      // wazzup: the template slot is empty, nothing to send (journal "skip")
    std::string note;       // journal: the text
    nlohmann::json params;  // duplicates: the action's params
    std::string error;      // invalid: why
};

std::string idempotency_tag(std::string_view idempotency_key);
// "<marker> text", unless the text already starts with the marker (or there is no marker).
std::string with_marker(std::string_view marker, std::string_view text);

// The row's payload is {"params": {...}, "reason": "..."} (the engine's NewAction).
ActionPlan plan_action(const store::NewAction& action, const PlanSettings& settings);

// The id of the created item in a create's result (tasks.task.add → result.task.id,
// crm.activity.todo.add → result.id, *.add → result); empty when there is none.
std::string created_id(std::string_view method, const nlohmann::json& result);
// The id of the row carrying the lookup's tag, if the lookup's result has one.
std::optional<std::string> find_tagged(const Lookup& lookup, const nlohmann::json& result);
// The follow-up call with its id filled in.
BitrixCall with_created_id(BitrixCall call, const std::string& id);

// After a failed attempt.
enum class Recovery {
    retry,    // nothing happened, or repeating is safe: try again later
    unknown,  // a create may have happened: look it up before trying again
    fail,     // final: the portal refused the request itself
};
Recovery recovery_for(const bitrix::Error& error);

// How long to wait before attempt `attempts + 1` (attempts ≥ 1): base · 2^(attempts-1), capped.
struct Backoff {
    std::chrono::milliseconds base = std::chrono::seconds(5);
    std::chrono::milliseconds cap = std::chrono::minutes(10);
};
std::chrono::milliseconds backoff_after(int attempts, const Backoff& backoff);

// The reason sentence of a row's payload; empty when none.
std::string action_reason(const store::NewAction& action);

}  // namespace reglament::daemon
