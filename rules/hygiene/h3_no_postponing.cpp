// H3 No postponing (REGULATIONS.md H3; ОП-15 "Запрещается переносить одну и ту же задачу").
// Parameters ([rules.H3]):
//   restore    true   put the old deadline back (task.update DEADLINE)
//   heads      []     head keys; [] = every head
//   comment    "Перенос срока задачи запрещён (ОП-15): …" ({old_deadline}, {new_deadline})
//   head_text  "Срок задачи «{task_title}» ({responsible}) перенесён с … (ОП-15)."
// Moving a deadline earlier, setting a first one, or closing the task is fine. The restore moves
// the deadline earlier, so it cannot trigger the rule again.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H3NoPostponing final : public Rule {
  public:
    bool restore = true;
    Escalation heads;
    std::string comment, head_text;

    std::string_view id() const override { return "H3"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "task" && e.kind == EventKind::updated;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Task* before = task_before(c);
        const Task* after = std::get_if<Task>(&c.after);
        if (!before || !after || !before->open() || !after->open() || !before->deadline ||
            !after->deadline || *after->deadline <= *before->deadline)
            return d;
        const EntityRef& e = c.event.entity;
        // A deadline the daemon itself set is no manager postponing; a task outside ОП-15's
        // reach (the accountant's own) is not the regulations' business.
        if (c.event.by_daemon || c.world.footprint(e).wrote("deadline", iso(*after->deadline)) ||
            !in_scope(*after, c.staff))
            return d;
        std::string key = "postponed:" + iso(*before->deadline) + ":" + iso(*after->deadline);
        std::map<std::string, std::string> values{
            {"task_title", after->title},
            {"responsible", person_name(c.staff, after->responsible_id)},
            {"old_deadline", local_text(c.calendar, *before->deadline)},
            {"new_deadline", local_text(c.calendar, *after->deadline)}};
        std::string why = "the task's deadline was moved later without closing it (OP-15)";
        d.actions.push_back(make_action("task.comment", e,
                                        {{"task_id", after->id}, {"text", fill(comment, values)}},
                                        key + ":comment", why));
        heads.notify_all(d.actions, c.staff, e, fill(head_text, values), key + ":head", why);
        if (restore)
            d.actions.push_back(make_action(
                "task.update", e,
                {{"task_id", after->id}, {"fields", {{"DEADLINE", iso(*before->deadline)}}}},
                key + ":restore", why + "; the old deadline is restored"));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h3_no_postponing(Params& p) {
    auto r = std::make_unique<H3NoPostponing>();
    r->restore = p.boolean("restore", true);
    r->heads = Escalation::read(p);
    r->comment = p.required_text("comment", defaults::h3::comment);
    r->head_text = p.required_text("head_text", defaults::h3::head_text);
    return r;
}

}  // namespace reglament::rules
