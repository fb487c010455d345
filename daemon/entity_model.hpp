// The edge between Bitrix24's REST answers, the snapshot store and the rules' model. The engine
// re-reads an entity after every event (entity_read), turns the answer into the model
// (entity_from_rest), stores it with its secondary keys (snapshot_of) and gives the rules a
// World answered from those snapshots (store_world.hpp). Pure: no I/O.
//
// Every REST shape the portal may choose (legacy UPPER_CASE, crm.item camelCase, tasks' camelCase
// output, "Y"/"N", string ids, any date offset; bitrix24.md §1, §4, §6) is handled here once, so
// the rules never see one (rules/model.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/entities.hpp"
#include "rules/clock.hpp"
#include "rules/model.hpp"
#include "rules/rule.hpp"
#include "store/records.hpp"

namespace reglament::daemon {

// Names of the snapshot terms (store/records.hpp SnapshotTerm) written with each snapshot.
namespace terms {
inline constexpr std::string_view task_binding = "task.binding";      // "L_12", "D_7"
inline constexpr std::string_view lead_phone = "lead.phone";          // "79161234567"
inline constexpr std::string_view lead_email = "lead.email";          // lower-cased
inline constexpr std::string_view activity_owner = "activity.owner";  // "lead:12", "deal:7"
inline constexpr std::string_view deal_lead = "deal.lead";            // the deal's lead id
inline constexpr std::string_view comment_owner = "comment.owner";    // "lead:12", "deal:7"
inline constexpr std::string_view call_lead = "call.lead";            // "lead:12"
}  // namespace terms

struct EntityRead {
    std::string method;
    nlohmann::json params;
};

// The REST call that re-reads an entity: lead → crm.lead.get {id}; deal → crm.deal.get {id};
// task → tasks.task.get {taskId, select} (UF_CRM_TASK only comes back when selected);
// activity → crm.activity.list {filter {ID}, select ["*", "COMMUNICATIONS"]}, because the
// emulated portal has no crm.activity.get and COMMUNICATIONS must be selected by name;
// timeline_comment → crm.timeline.comment.get {id} (its event carries only the comment's id).
// nullopt for any other type (chat:, call:, global:, wazzup_message:, ...).
std::optional<EntityRead> entity_read(const rules::EntityRef& ref);

// The read's `result` → the model. std::monostate when the result is null, "", false, [] or {}
// (entity gone or not found), or the type has no model. Accepts the object of a *.get, the
// {"task": {...}} of tasks.task.get, the {"item": {...}} of crm.item.get and the rows of a
// *.list (the row whose id is ref.id).
rules::Entity entity_from_rest(const rules::EntityRef& ref, const nlohmann::json& result);

// A crm.timeline.comment.get result or crm.timeline.comment.list row as the rules' comment
// (the owner type lower-cased: "deal").
rules::TimelineComment comment_from_rest(const nlohmann::json& row);

// A voximplant.statistic.get row or ONVOXIMPLANTCALLEND data as the rules' Call.
rules::Call call_from_rest(const nlohmann::json& row);
// The same from the parsed call (bitrix::call_from, or an outbound event's call).
rules::Call call_model(const bitrix::Call& call);

// The secondary keys of an entity (the `terms` namespace above).
std::vector<store::SnapshotTerm> snapshot_terms(const rules::Entity& entity);

// Whether sweeps still look at the entity (store::Snapshot::open): a lead not converted or junk
// (status semantic S, F), a deal not closed, a task not completed (status 5); anything else is
// open. Every rule a sweep serves returns at once for a closed one (L1, H1, H7, C1 check
// lead_closed; D1, D7 deal.closed; H2 a task no longer open), and each decided on the update
// that closed it; a reopened entity is open again from the update that reopened it.
bool in_process(const rules::Entity& entity);

// Model → snapshot: the JSON of rules/model.hpp's to_json plus snapshot_terms and in_process. A
// monostate gives "null" and no terms (the engine erases rather than stores a gone entity).
store::Snapshot snapshot_of(const rules::EntityRef& ref, const rules::Entity& entity,
                            TimePoint now);

// Snapshot JSON → model by ref.type; monostate for "null", "" or a type without a model.
// Throws std::invalid_argument when the text is not a snapshot (a bug, not a portal quirk).
rules::Entity entity_from_snapshot(const rules::EntityRef& ref, std::string_view json);

// Equal as the rules see them (same alternative, same JSON form): the engine's echo check.
bool same_entity(const rules::Entity& a, const rules::Entity& b);

}  // namespace reglament::daemon
