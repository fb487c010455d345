// L4 Take-in SLA (REGULATIONS.md L4; new-lead-intake "в течении 5-10 минут").
// Parameters ([rules.L4]):
//   new_status_ids          ["NEW"]  "Необработанный лид"
//   call_within_minutes     5        working minutes to the first outgoing call
//   take_in_within_minutes  10       working minutes to leave the new status
//   reassign                true     reassign to the next present manager at the take-in limit
//   heads                   []       head keys to notify; [] = every head
//   call_text, head_text, reassigned_text   (defaults.hpp, placeholders {lead_title},
//                                    {responsible}, {new_responsible}, {minutes})
// Minutes count from the lead's creation in working time; when the whole take-in window does not
// fit in what is left of the working day, from the next working morning: a lead at 17:58 on
// Friday counts from Monday 09:00. A reassignment starts the clock again for the new manager.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class L4TakeInSla final : public Rule {
  public:
    std::vector<std::string> new_status_ids;
    std::chrono::minutes call_within{5}, take_in_within{10};
    bool reassign = true;
    Escalation heads;
    std::string call_text, head_text, reassigned_text;

    std::string_view id() const override { return "L4"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::updated ||
                e.kind == EventKind::call_ended || e.kind == EventKind::timer);
    }

    void start(Decision& d, const EntityRef& e, TimePoint from, const Calendar& cal,
               int round) const {
        // The window does not span a night: a lead that arrives too close to the end of the
        // working day counts from the next working morning (issue 7: Friday 17:58 → Monday 09:00).
        from = cal.next_working_moment(from);
        if (cal.working_time_between(from, cal.end_of_working_day(from)) < take_in_within)
            from = cal.start_of_working_day(
                cal.from_local(LocalTime(cal.next_working_day(cal.local_day(from)))));
        d.state = json{{"round", round}, {"called", false}};
        d.timers.push_back(arm(e, "call_due", cal.add_working(from, call_within)));
        d.timers.push_back(arm(e, "take_in_due", cal.add_working(from, take_in_within)));
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        const EntityRef& e = c.event.entity;
        if (!lead) return d;
        bool in_new = contains(new_status_ids, lead->status_id) && !lead_closed(*lead);
        bool started = c.state.is_object();
        bool left = started && c.state.value("left", false);
        bool called = started && c.state.value("called", false);
        // Two limits, held apart: moving the card out of «Необработанный лид» ends the take-in
        // limit, not the first-call one; a lead that left the process ends both.
        if (started && !left && !in_new) {
            d.state = c.state;
            (*d.state)["left"] = true;
            d.timers.push_back(cancel(e, "take_in_due"));
            if (called || lead_closed(*lead)) d.timers.push_back(cancel(e, "call_due"));
            return d;
        }
        if (!started && !in_new) return d;
        int round = started ? c.state.value("round", 0) : 0;
        auto values = lead_values(*lead, c.staff);
        switch (c.event.kind) {
            case EventKind::created:
            case EventKind::updated:
                if (!started) start(d, e, lead->created.value_or(c.event.at), c.calendar, 0);
                return d;
            case EventKind::call_ended:
                if (!started || !c.event.call || !c.event.call->outgoing() || called) return d;
                d.state = c.state;
                (*d.state)["called"] = true;
                d.timers.push_back(cancel(e, "call_due"));
                return d;
            case EventKind::timer:
                break;
            default:
                return d;
        }
        if (!started) return d;
        std::string r = std::to_string(round);
        if (c.event.timer_purpose == "call_due") {
            if (called || lead_closed(*lead) || lead->assigned_by_id.empty()) return d;
            values["minutes"] = std::to_string(call_within.count());
            d.actions.push_back(notify(e, lead->assigned_by_id, fill(call_text, values),
                                       "call_due:" + r,
                                       "no outgoing call within " + values["minutes"] +
                                           " working minutes of the lead's arrival"));
            return d;
        }
        if (c.event.timer_purpose != "take_in_due" || left) return d;
        values["minutes"] = std::to_string(take_in_within.count());
        std::optional<std::string> next;
        if (reassign) next = next_present_manager(c.staff, c.world, lead->assigned_by_id, c.now);
        std::string why =
            "the lead is still in the new status after " + values["minutes"] + " working minutes";
        if (next) {
            const Person* p = c.staff.find_by_user(*next);
            values["new_responsible"] = p && !p->name.empty() ? p->name : *next;
        } else {
            values["new_responsible"] = values["responsible"];
        }
        heads.notify_all(d.actions, c.staff, e, fill(head_text, values),
                         "take_in_due:" + r + ":head", why);
        if (next) {
            d.actions.push_back(make_action(
                "lead.update", e, {{"lead_id", lead->id}, {"fields", {{"ASSIGNED_BY_ID", *next}}}},
                "take_in_due:" + r + ":reassign",
                why + "; reassigned to the next present manager"));
            d.actions.push_back(
                notify(e, *next, fill(reassigned_text, values), "take_in_due:" + r + ":new", why));
            start(d, e, c.now, c.calendar, round + 1);
        }
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_l4_take_in_sla(Params& p) {
    auto r = std::make_unique<L4TakeInSla>();
    r->new_status_ids = p.text_list("new_status_ids", {"NEW"});
    r->call_within = p.positive_minutes("call_within_minutes", 5);
    r->take_in_within = p.positive_minutes("take_in_within_minutes", 10);
    r->reassign = p.boolean("reassign", true);
    r->heads = Escalation::read(p);
    r->call_text = p.required_text("call_text", defaults::l4::call_text);
    r->head_text = p.required_text("head_text", defaults::l4::head_text);
    r->reassigned_text = p.required_text("reassigned_text", defaults::l4::reassigned_text);
    return r;
}

}  // namespace reglament::rules
