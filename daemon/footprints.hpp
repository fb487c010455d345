// The daemon's own footprints (issue 18 §3): what each action the engine commits will write to
// which entity, kept per entity (kv "footprint:<entity key>"), and whether a change the portal
// reports is exactly that. A task R2 closed is not "closed without a result comment" (H4); a
// status L5 set is not "a status after the call" (R3). Pure: no store, no portal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rules/model.hpp"
#include "rules/rule.hpp"

namespace reglament::daemon {

inline constexpr std::string_view footprint_kv_prefix = "footprint:";

// What one action writes: the entity it lands on and the fields and comments it adds there.
struct OwnWrite {
    rules::EntityRef target;
    rules::Footprint written;
};

// The write an action of `kind` with `params` makes (rule.hpp "Things the outbox does");
// nullopt for kinds that change no watched entity (notify, task.add, wazzup.send, …).
std::optional<OwnWrite> own_write(const std::string& kind, const nlohmann::json& params,
                                  TimePoint at);

// `into` with `write` added: later values replace earlier ones, comments add up.
void merge_footprint(rules::Footprint& into, const rules::Footprint& write);

// Whether every difference between `before` and `after` (the model's fields people and rules
// read; timestamps and counters the portal moves by itself left out) is a value the daemon
// wrote. False when nothing the rules read changed.
bool own_change(const rules::Entity& before, const rules::Entity& after,
                const rules::Footprint& footprint);

}  // namespace reglament::daemon
