// H1 Every open lead has a next step (REGULATIONS.md H1; ОП-15 "не должно быть лидов без
// задачи/дела").
// Parameters ([rules.H1]):
//   skip_status_ids   ["NEW"]   statuses L4 looks after instead
//   task_title        "Определить следующий шаг"   deadline: the end of the working day
//   task_description  (defaults.hpp)
//   notify_text       "У лида «{lead_title}» нет задачи на следующий шаг: …" ({task_title})
// One task per gap: the state remembers an open gap until a task or activity shows up again.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H1NextStep final : public Rule {
  public:
    std::vector<std::string> skip_status_ids;
    std::string task_title, task_description, notify_text;

    std::string_view id() const override { return "H1"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::updated ||
                e.kind == EventKind::sweep);
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead) return d;
        int gaps = c.state.is_object() ? c.state.value("gaps", 0) : 0;
        bool gap_open = c.state.is_object() && c.state.value("gap_open", false);
        bool watched = !lead_closed(*lead) && !contains(skip_status_ids, lead->status_id);
        // A next step has a moment: an open task or activity without a deadline is none.
        bool has_next_step = false;
        for (const auto& t : c.world.open_tasks_bound_to(crm_binding(c.event.entity)))
            if (t.open() && t.deadline) has_next_step = true;
        for (const auto& a : c.world.open_activities_of(c.event.entity))
            if (!a.completed && a.deadline) has_next_step = true;
        if (!watched || has_next_step) {
            if (gap_open) d.state = json{{"gaps", gaps}, {"gap_open", false}};
            return d;
        }
        if (gap_open) return d;
        ++gaps;
        d.state = json{{"gaps", gaps}, {"gap_open", true}};
        std::string key = "gap" + std::to_string(gaps);
        std::string why = "the open lead has no open task or activity with a deadline";
        d.actions.push_back(make_action("task.add", c.event.entity,
                                        {{"title", task_title},
                                         {"description", task_description},
                                         {"responsible_id", lead->assigned_by_id},
                                         {"deadline", iso(c.calendar.end_of_working_day(c.now))},
                                         {"priority", 1},
                                         {"bindings", {crm_binding(c.event.entity)}}},
                                        key + ":task", why));
        auto values = lead_values(*lead, c.staff);
        values["task_title"] = task_title;
        if (!lead->assigned_by_id.empty())
            d.actions.push_back(notify(c.event.entity, lead->assigned_by_id,
                                       fill(notify_text, values), key + ":notify", why));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h1_next_step(Params& p) {
    auto r = std::make_unique<H1NextStep>();
    r->skip_status_ids = p.text_list("skip_status_ids", {"NEW"});
    r->task_title = p.required_text("task_title", defaults::h1::task_title);
    r->task_description = p.text("task_description", defaults::h1::task_description);
    r->notify_text = p.required_text("notify_text", defaults::h1::notify_text);
    return r;
}

}  // namespace reglament::rules
