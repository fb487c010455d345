// H2 No overdue tasks (REGULATIONS.md H2; ОП-15 "Не должно быть просроченных задач").
// Parameters ([rules.H2]):
//   head_after_minutes  60   working minutes overdue before the heads are told
//   crm_only            true only tasks bound to a lead or deal
//   heads               []   head keys; [] = every head
//   notify_text         "Задача «{task_title}» просрочена (срок {deadline})."
//   head_text           "Задача «{task_title}» ({responsible}) просрочена более чем на {minutes}
//   мин …"
// Timers "overdue" and "overdue_head" follow the deadline; each deadline is reported once.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

bool crm_bound(const Task& t) {
    for (const auto& b : t.crm_bindings)
        if (b.starts_with("L_") || b.starts_with("D_")) return true;
    return false;
}

class H2Overdue final : public Rule {
  public:
    std::chrono::minutes head_after{60};
    bool crm_only = true;
    Escalation heads;
    std::string notify_text, head_text;

    std::string_view id() const override { return "H2"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "task" && e.kind != EventKind::comment_added;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Task* task = std::get_if<Task>(&c.after);
        const EntityRef& e = c.event.entity;
        bool watched = task && task->open() && task->deadline && (!crm_only || crm_bound(*task)) &&
                       in_scope(*task, c.staff) && !bound_lead_left(*task, c.world);
        if (!watched) {
            if (c.state.is_object()) {
                d.state = json();
                d.timers = {cancel(e, "overdue"), cancel(e, "overdue_head")};
            }
            return d;
        }
        std::string deadline = iso(*task->deadline);
        if (c.event.kind == EventKind::timer) {
            if (c.event.timer_payload.value("deadline", "") != deadline || c.now < *task->deadline)
                return d;
            std::map<std::string, std::string> values{
                {"task_title", task->title},
                {"deadline", local_text(c.calendar, *task->deadline)},
                {"responsible", person_name(c.staff, task->responsible_id)},
                {"minutes", std::to_string(head_after.count())}};
            if (c.event.timer_purpose == "overdue") {
                d.actions.push_back(notify(e, task->responsible_id, fill(notify_text, values),
                                           "overdue:" + deadline, "the task is past its deadline"));
            } else if (c.event.timer_purpose == "overdue_head") {
                heads.notify_all(
                    d.actions, c.staff, e, fill(head_text, values), "overdue_head:" + deadline,
                    "the task is overdue by more than " + values["minutes"] + " working minutes");
            }
            return d;
        }
        if (c.state.is_object() && c.state.value("deadline", "") == deadline) return d;
        d.state = json{{"deadline", deadline}};
        d.timers.push_back(
            arm(e, "overdue", std::max(*task->deadline, c.now), {{"deadline", deadline}}));
        d.timers.push_back(arm(e, "overdue_head",
                               std::max(c.calendar.add_working(*task->deadline, head_after), c.now),
                               {{"deadline", deadline}}));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h2_overdue(Params& p) {
    auto r = std::make_unique<H2Overdue>();
    r->head_after = p.positive_minutes("head_after_minutes", 60);
    r->crm_only = p.boolean("crm_only", true);
    r->heads = Escalation::read(p);
    r->notify_text = p.required_text("notify_text", defaults::h2::notify_text);
    r->head_text = p.required_text("head_text", defaults::h2::head_text);
    return r;
}

}  // namespace reglament::rules
