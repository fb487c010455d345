// H4 A task closed without a result comment (REGULATIONS.md H4; ОП-15 "В каждой задаче Менеджер
// фиксирует результат в поле комментарий").
// Parameters ([rules.H4]):
//   min_comments  1
//   comment       "Задача закрыта без результата. Зафиксируйте результат в комментарии …"
//   notify_text   "Задача «{task_title}» закрыта без комментария с результатом. …"
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H4ResultComment final : public Rule {
  public:
    int min_comments = 1;
    std::string comment, notify_text;

    std::string_view id() const override { return "H4"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "task" && e.kind == EventKind::updated;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Task* before = task_before(c);
        const Task* after = std::get_if<Task>(&c.after);
        if (!before || !after || !before->open() || after->open()) return d;
        // The daemon closed it (R2 reached the client, H6 saw the callback): no one to reprimand.
        // Nor does a task outside ОП-15's reach (the accountant's own) concern it.
        if (c.event.by_daemon || !in_scope(*after, c.staff)) return d;
        // The daemon's own comments (H3's, an earlier H4's) are no manager's result.
        int results = after->comments_count - c.world.footprint(c.event.entity).comments;
        if (results >= min_comments) return d;
        std::string closed = iso(after->closed.value_or(c.now));
        if (c.state.is_object() && c.state.value("closed", "") == closed) return d;
        d.state = json{{"closed", closed}};
        const EntityRef& e = c.event.entity;
        std::string why = "the task was closed with " + std::to_string(std::max(results, 0)) +
                          " result comment(s), no result recorded";
        d.actions.push_back(make_action("task.comment", e,
                                        {{"task_id", after->id}, {"text", comment}},
                                        "closed:" + closed + ":comment", why));
        d.actions.push_back(notify(e, after->responsible_id,
                                   fill(notify_text, {{"task_title", after->title}}),
                                   "closed:" + closed + ":notify", why));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h4_result_comment(Params& p) {
    auto r = std::make_unique<H4ResultComment>();
    r->min_comments = p.positive_int("min_comments", 1);
    r->comment = p.required_text("comment", defaults::h4::comment);
    r->notify_text = p.required_text("notify_text", defaults::h4::notify_text);
    return r;
}

}  // namespace reglament::rules
