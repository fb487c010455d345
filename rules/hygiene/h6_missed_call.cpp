// H6 Missed incoming call (REGULATIONS.md H6; ОП-15 "Всегда перезванивать клиенту").
// Parameters ([rules.H6]):
//   task_title        "Перезвонить клиенту (пропущенный звонок)"
//   task_description  "Пропущенный входящий звонок с номера +{phone}."
//   deadline_minutes  15    working minutes
//   priority          2     high
// One task per number until it is called back; an outgoing call to that number completes the
// open tasks of that title bound to the entity (found through World).
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"
#include "rules/phone.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H6MissedCall final : public Rule {
  public:
    std::string task_title, task_description;
    std::chrono::minutes deadline{15};
    int priority = 2;

    std::string_view id() const override { return "H6"; }
    bool interested(const Event& e) const override {
        return e.kind == EventKind::call_ended && e.call && !crm_binding(e.entity).empty();
    }

    std::string responsible(const RuleContext& c) const {
        if (const Lead* l = lead_of(c); l && !l->assigned_by_id.empty()) return l->assigned_by_id;
        if (const Deal* deal = std::get_if<Deal>(&c.after); deal && !deal->assigned_by_id.empty())
            return deal->assigned_by_id;
        return c.event.call->portal_user_id;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Call& call = *c.event.call;
        const EntityRef& e = c.event.entity;
        std::string phone = normalise_phone(call.phone);
        if (phone.empty()) return d;
        json state = c.state.is_object() ? c.state : json{{"pending", json::object()}};
        json& pending = state["pending"];
        if (call.outgoing()) {
            if (!pending.contains(phone)) return d;
            pending.erase(phone);
            d.state = state;
            for (const auto& t : c.world.open_tasks_bound_to(crm_binding(e)))
                if (t.titled(task_title))
                    d.actions.push_back(make_action("task.complete", e, {{"task_id", t.id}},
                                                    "callback:" + t.id,
                                                    "the client's number was called back"));
            return d;
        }
        bool incoming = call.type == 2 || call.type == 3;
        if (!incoming || call.answered() || pending.contains(phone)) return d;
        std::string since = iso(c.now);
        pending[phone] = since;
        d.state = state;
        d.actions.push_back(
            make_action("task.add", e,
                        {{"title", task_title},
                         {"description", fill(task_description, {{"phone", phone}})},
                         {"responsible_id", responsible(c)},
                         {"deadline", iso(c.calendar.add_working(c.now, deadline))},
                         {"priority", priority},
                         {"bindings", {crm_binding(e)}}},
                        "missed:" + phone + ":" + since, "an incoming call was missed"));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h6_missed_call(Params& p) {
    auto r = std::make_unique<H6MissedCall>();
    r->task_title = p.required_text("task_title", defaults::h6::task_title);
    r->task_description = p.text("task_description", defaults::h6::task_description);
    r->deadline = p.positive_minutes("deadline_minutes", 15);
    r->priority = p.non_negative_int("priority", 2);
    if (r->priority > 2) p.error("priority", "expected 0 (low), 1 (medium) or 2 (high)");
    return r;
}

}  // namespace reglament::rules
