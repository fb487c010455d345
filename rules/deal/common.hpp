// Pieces every D*/R* rule uses: reading the deal out of a context, reading user fields whatever
// shape the portal gave them, building actions with their keys, naming days for people.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/deal/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules::deal {

const Deal* deal_after(const RuleContext& c);
const Deal* deal_before(const RuleContext& c);
const Lead* lead_after(const RuleContext& c);

// A field's value as text: "" for missing, null, false, an empty string or an empty list.
// Numbers are written without trailing zeros; a list gives its first non-empty item. The code
// "OPPORTUNITY" reads Deal::opportunity ("" when zero).
std::string field_text(const Deal& deal, const std::string& code);
std::string field_text(const nlohmann::json& fields, const std::string& code);
// A date field ("2026-03-14", "2026-03-14T10:00:00+03:00", "14.03.2026") as a local day of the
// calendar; nullopt when empty or unreadable.
std::optional<date::local_days> field_day(const nlohmann::json& fields, const std::string& code,
                                          const Calendar& calendar);

std::string day_text(date::local_days day);               // "14.03.2026"
std::string moment_text(const Calendar& c, TimePoint t);  // "14.03.2026 10:00"
std::string iso_text(TimePoint t);

Action make_action(std::string kind, const EntityRef& entity, nlohmann::json params,
                   std::string key, std::string reason);
Action notify_action(const EntityRef& entity, const std::string& user_id,
                     const std::string& message, std::string key, std::string reason);
Action task_action(const EntityRef& entity, const std::string& binding, const std::string& title,
                   const std::string& description, const std::string& responsible_id,
                   TimePoint deadline, std::string key, std::string reason, int priority = 1);
Action comment_action(const EntityRef& entity, std::string_view entity_type,
                      const std::string& entity_id, const std::string& text, std::string key,
                      std::string reason);
Action deal_stage_action(const Deal& deal, const EntityRef& entity, const std::string& stage_id,
                         std::string key, std::string reason);
Action deal_move_action(const Deal& deal, const EntityRef& entity, const std::string& category_id,
                        const std::string& stage_id, std::string key, std::string reason);

TimerChange arm_timer(const EntityRef& entity, std::string purpose, TimePoint due,
                      nlohmann::json payload = nlohmann::json::object());
TimerChange cancel_timer(const EntityRef& entity, std::string purpose);

// The head a rule escalates to: a config key of [people] ("rop"), or every head when empty.
struct HeadChoice {
    std::string key;
    static HeadChoice read(ParamReader& p);
    std::vector<std::string> user_ids(const Staff& staff) const;
};

// Notifications to the responsible and (when `with_heads`) the heads, one action each, keyed
// "<key>:<user id>"; a head who is the responsible is told once.
void notify_people(std::vector<Action>& out, const RuleContext& c, const EntityRef& entity,
                   const std::string& responsible_id, const HeadChoice* heads,
                   const std::string& message, const std::string& key, const std::string& why);

// A stage within the deal's own pipeline: "C1:NEW" belongs to "1", "NEW" to "0".
std::string category_of_stage(const std::string& stage_id);

bool contains(const std::vector<std::string>& list, const std::string& value);

// "a, b, c": a list inside a title or a message.
std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace reglament::rules::deal
