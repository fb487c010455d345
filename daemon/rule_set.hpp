// From the loaded config to what the engine runs: every enabled [rules.<ID>] as a Rule with
// its dry-run flag, the people, the calendar, and who counts as present (L1, L4).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "daemon/engine_step.hpp"

namespace reglament::daemon {

// Throws std::invalid_argument with the rule's problems (check-config has reported them).
std::shared_ptr<const RuleSet> make_rule_set(const config::Config& config);

// A person with shifts in [people] is present inside them; anyone else whenever the portal
// does not say otherwise. Unknown users are present (the rules only ask about the staff).
using Presence = std::function<bool(const std::string& user_id, TimePoint at)>;
Presence make_presence(const config::People& people, std::shared_ptr<const Calendar> calendar);

}  // namespace reglament::daemon
