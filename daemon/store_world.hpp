// The rules' questions about the rest of the portal (rules::World), answered from the snapshots
// the engine keeps (entity_model.hpp) through their terms: index lookups, never REST calls, so
// a rule's decision stays pure and as fast as the store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rules/rule.hpp"
#include "store/store.hpp"

namespace reglament::daemon {

class StoreWorld final : public rules::World {
  public:
    // Whether a user works at a moment; the daemon decides it from the config's shifts and the
    // portal. Empty: everyone is present.
    using Presence = std::function<bool(const std::string& user_id, TimePoint at)>;

    explicit StoreWorld(store::Store& store, Presence presence = {});

    // Tasks bound to "L_12" / "D_7" that are not completed or awaiting control.
    std::vector<rules::Task> open_tasks_bound_to(const std::string& binding) const override;
    // Activities of the lead or deal that are not completed.
    std::vector<rules::Activity> open_activities_of(const rules::EntityRef& owner) const override;
    // Ids of the leads with that number (normalised the rules' way before the lookup).
    std::vector<std::string> leads_with_phone(const std::string& digits) const override;
    std::optional<rules::Lead> lead(const std::string& id) const override;
    std::optional<rules::Deal> deal(const std::string& id) const override;
    bool is_present(const std::string& user_id, TimePoint at) const override;
    // The comments whose events reached the engine (or were read for it), oldest first.
    std::vector<rules::TimelineComment> timeline_comments(
        const rules::EntityRef& owner) const override;
    // The deal's crm.stagehistory.list rows the engine read when the deal moved (engine.hpp,
    // stage_history.hpp), oldest first; empty when never read.
    std::vector<rules::StageHistoryEntry> stage_history(const std::string& deal_id) const override;
    // The lead's calls whose ONVOXIMPLANTCALLEND reached the engine, oldest first.
    std::vector<rules::Call> calls_of(const rules::EntityRef& owner) const override;

  private:
    store::Store& store_;
    Presence presence_;
};

}  // namespace reglament::daemon
