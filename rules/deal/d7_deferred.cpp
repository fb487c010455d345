// D7: the pipeline "Отложенный спрос". A deal there needs an activity (the next contact) more
// than 32 days ahead and a pinned comment with the reason; its stage is the month of that
// contact. When the next contact comes nearer than that, the deal goes back to the sales
// pipeline with a task. Moves use deal.move (crm.item.update with categoryId; the portal then
// sends ONCRMDEALMOVETOCATEGORY, api/bitrix24.md "Deals"). The pinned flag is not observable
// over REST (see D6): a comment's existence is checked.
#include <algorithm>

#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

constexpr std::string_view purpose = "d7.back";

class D7Deferred final : public Rule {
  public:
    explicit D7Deferred(ParamReader& p) {
        namespace d = defaults;
        deferred_category_ = p.required_text("deferred_category_id", d::deferred_category);
        month_stages_ = p.text_list("deferred_month_stages", d::deferred_month_stages, 12);
        min_days_ = p.integer("min_days_ahead", 32, 1, 3650);
        sales_category_ = p.required_text("sales_category_id", d::sales_category);
        return_stage_ = p.required_text("return_stage", d::stage_reschedule);
        require_comment_ = p.boolean("require_comment", true);
        activity_title_ = p.required_text("activity_task_title", d::d7::activity_task_title);
        comment_title_ = p.required_text("comment_task_title", d::d7::comment_task_title);
        back_title_ = p.required_text("back_task_title", d::d7::back_task_title);
    }

    std::string_view id() const override { return "D7"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" &&
               (e.kind == EventKind::updated || e.kind == EventKind::created ||
                e.kind == EventKind::sweep ||
                (e.kind == EventKind::timer && e.timer_purpose == purpose));
    }

    // The daemon's own comments (D2's "Стадия выбрана по дате замера…") give no reason.
    static bool has_manager_comment(const RuleContext& c, const std::string& deal_id) {
        auto comments = c.world.timeline_comments(EntityRef{"deal", deal_id});
        return std::any_of(comments.begin(), comments.end(),
                           [](const TimelineComment& t) { return !t.automated(); });
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const Deal* deal = deal_after(c);
        if (!deal || deal->closed || deal->category_id != deferred_category_) return out;
        const auto& e = c.event.entity;
        auto entry = deal->moved ? iso_text(*deal->moved) : std::string("unknown");
        auto deadline = c.calendar.end_of_working_day(c.now);
        auto binding = "D_" + deal->id;

        if (require_comment_ && !has_manager_comment(c, deal->id))
            out.actions.push_back(task_action(
                e, binding, comment_title_, comment_title_, deal->assigned_by_id, deadline,
                "no-comment:" + entry,
                "Сделка в «Отложенном спросе» без комментария о причине переноса (регламент D7)."));

        auto next = next_contact(c, *deal);
        if (!next) {
            out.actions.push_back(task_action(
                e, binding, activity_title_, activity_title_, deal->assigned_by_id, deadline,
                "no-activity:" + entry,
                "Сделка в «Отложенном спросе» без дела с датой следующего контакта (регламент "
                "D7)."));
            return out;
        }
        auto next_day = c.calendar.local_day(*next);
        auto days = (next_day - c.calendar.local_day(c.now)).count();
        auto date = day_text(next_day);
        if (days > min_days_) {
            date::year_month_day ymd{next_day};
            const auto& stage = month_stages_[static_cast<unsigned>(ymd.month()) - 1];
            if (deal->stage_id != stage)
                out.actions.push_back(deal_move_action(
                    *deal, e, deferred_category_, stage, "month:" + stage + ":" + date,
                    "Следующий контакт " + date +
                        ": стадия отложенного спроса должна быть его месяцем (регламент D7)."));
            auto back_at = c.calendar.start_of_working_day(
                c.calendar.from_local(LocalTime{next_day - date::days{min_days_}}));
            out.timers.push_back(arm_timer(e, std::string(purpose), back_at, {{"date", date}}));
            return out;
        }
        auto key = "back:" + date;
        auto why = "Следующий контакт " + date + " ближе чем через " + std::to_string(min_days_) +
                   " дн.: сделка возвращается в воронку продаж (регламент D7).";
        out.actions.push_back(deal_move_action(*deal, e, sales_category_, return_stage_, key, why));
        out.actions.push_back(task_action(e, binding, fill_text(back_title_, {{"date", date}}), why,
                                          deal->assigned_by_id, deadline, key, why));
        out.timers.push_back(cancel_timer(e, std::string(purpose)));
        return out;
    }

  private:
    // The earliest open activity of the deal that is not in the past.
    static std::optional<TimePoint> next_contact(const RuleContext& c, const Deal& deal) {
        std::optional<TimePoint> best;
        for (const auto& a : c.world.open_activities_of(EntityRef{"deal", deal.id})) {
            auto when = a.deadline ? a.deadline : a.start;
            if (a.completed || !when || *when < c.now) continue;
            if (!best || *when < *best) best = when;
        }
        return best;
    }

    std::string deferred_category_;
    std::vector<std::string> month_stages_;
    int min_days_ = 32;
    std::string sales_category_, return_stage_;
    bool require_comment_ = true;
    std::string activity_title_, comment_title_, back_title_;
};

}  // namespace

std::unique_ptr<Rule> make_d7_deferred(ParamReader& p) {
    return std::make_unique<D7Deferred>(p);
}

}  // namespace reglament::rules::deal
