// L1 Distribution (REGULATIONS.md L1; ОП-15 "распределяются равномерно роботом").
// Parameters ([rules.L1]):
//   new_status_ids      ["NEW"]  statuses in which a lead is (re)distributed ("Необработанный лид")
//   redistribute_absent true     a lead whose manager is absent goes to a present one
// The rotation is least-recently-assigned over present managers, kept under "global:L1":
// a manager who returns from absence is first in line once, then takes their turn — no burst.
#include <algorithm>

#include "rules/lead/common.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

constexpr long long kPendingHorizon = 1000;

class L1Distribution final : public Rule {
  public:
    std::vector<std::string> new_status_ids;
    bool redistribute_absent = true;

    std::string_view id() const override { return "L1"; }
    EntityRef state_entity(const Event&) const override { return {"global", "L1"}; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::updated ||
                e.kind == EventKind::sweep || e.kind == EventKind::timer);
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead || lead_closed(*lead) || !contains(new_status_ids, lead->status_id)) return d;

        json state = c.state.is_object() ? c.state : json{{"seq", 0}, {"last", json::object()}};
        if (!state.contains("pending")) state["pending"] = json::object();
        json& pending = state["pending"];
        const std::string& current = lead->assigned_by_id;
        bool is_manager = std::any_of(c.staff.managers.begin(), c.staff.managers.end(),
                                      [&](const Person& p) { return p.user_id == current; });

        // An assignment we asked for has reached the portal: forget it.
        if (pending.contains(lead->id) && pending[lead->id][0] == current) {
            pending.erase(lead->id);
            d.state = state;
        }
        bool absent = is_manager && !c.world.is_present(current, c.now);
        if (is_manager && !(redistribute_absent && absent)) return d;
        // Already handed to someone still present: the update is on its way.
        if (pending.contains(lead->id) &&
            c.world.is_present(pending[lead->id][0].get<std::string>(), c.now))
            return d;

        const Person* chosen = nullptr;
        long long chosen_stamp = 0;
        for (const auto& p : c.staff.managers) {
            if (p.user_id == current || !c.world.is_present(p.user_id, c.now)) continue;
            long long stamp = state["last"].value(p.user_id, -1LL);
            if (!chosen || stamp < chosen_stamp) chosen = &p, chosen_stamp = stamp;
        }
        if (!chosen) {
            // Out of hours the lead waits in «Необработанный лид» (a manager working late may
            // take it) and is handed out at the opening itself, not at the first sweep after it.
            // In hours with nobody present, the sweep tries again.
            auto opening = c.calendar.next_working_moment(c.now);
            if (opening > c.now)
                d.timers.push_back(arm(c.event.entity, "assign_at_opening", opening));
            return d;
        }

        long long seq = state.value("seq", 0LL) + 1;
        state["seq"] = seq;
        state["last"][chosen->user_id] = seq;
        pending[lead->id] = json::array({chosen->user_id, seq});
        // An assignment not seen back after this many others was lost (lead deleted, write
        // failed): forget it so the state stays small.
        for (auto it = pending.begin(); it != pending.end();)
            it = (*it)[1].get<long long>() + kPendingHorizon < seq ? pending.erase(it)
                                                                   : std::next(it);
        std::string why = absent
                              ? "the responsible manager " + current +
                                    " is absent; the lead goes to the next manager in rotation"
                              : "a new lead without a call-centre manager is assigned by rotation";
        d.actions.push_back(
            make_action("lead.update", c.event.entity,
                        {{"lead_id", lead->id}, {"fields", {{"ASSIGNED_BY_ID", chosen->user_id}}}},
                        "assign:" + std::to_string(seq), why));
        d.state = state;
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_l1_distribution(Params& p) {
    auto r = std::make_unique<L1Distribution>();
    r->new_status_ids = p.text_list("new_status_ids", {"NEW"});
    r->redistribute_absent = p.boolean("redistribute_absent", true);
    return r;
}

}  // namespace reglament::rules
