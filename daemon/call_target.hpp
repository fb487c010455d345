// Which lead a client's call or WhatsApp message belongs to (README "Rules", how an event
// reaches them). ONVOXIMPLANTCALLEND names no CRM entity, only the call's activity
// (CRM_ACTIVITY_ID); the portal says whose call it is through that activity's owner, or
// through the call statistics (voximplant.statistic.get by CALL_ID: CRM_ENTITY_TYPE/ID).
// Only when the portal names nothing does the number decide, and then for one lead, chosen
// as a manager would: the client's newest lead still in work, else the newest. One call or
// message is never fanned out to every duplicate lead of the client.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/entity_model.hpp"
#include "rules/model.hpp"

namespace reglament::daemon {

struct CallTarget {
    enum class Kind {
        lead,     // the portal names this lead
        other,    // the portal names a deal, contact or company: no lead rule's business
        unnamed,  // the portal names nothing: the number decides (choose_lead)
    };
    Kind kind = Kind::unnamed;
    std::string lead_id;  // for `lead`

    static CallTarget of_lead(std::string id) { return {Kind::lead, std::move(id)}; }
    friend bool operator==(const CallTarget&, const CallTarget&) = default;
};

// The call's activity as entity_read({"activity", id}) returned it: its owner when that is a
// lead (OWNER_TYPE_ID 1), `other` for any other owner; nullopt when there is no such activity
// (then the statistics are asked).
std::optional<CallTarget> target_from_activity(const rules::Entity& activity);

// voximplant.statistic.get filtered by the call's CALL_ID.
EntityRead call_statistic_read(const std::string& call_id);

// Its answer: the row's CRM_ENTITY_TYPE/CRM_ENTITY_ID; `unnamed` when no row or no entity.
CallTarget target_from_statistic(const nlohmann::json& result);

// The lead a contact by this number belongs to when the portal names none: the newest lead in
// work (status semantic "P"), else the newest lead; newest = created last (the higher id when
// equal or unknown). nullopt for no lead.
std::optional<std::string> choose_lead(const std::vector<rules::Lead>& leads);

}  // namespace reglament::daemon
