// D4: in Предзамер an activity "Связаться с клиентом и подтвердить дату замера" 3 days before
// the measurement date; in Повторный замер the same 2–3 days before the repeat date (created 3
// days before, due 2 days before). It is created when due by a timer, so a moved date re-arms
// the timer and a deal that left the stage has its timer cancelled before anything is written.
// Once written, the reminder follows the deal too: a moved date completes it and a new one comes
// for the new date (the seed, item 7: "создать новое дело"), and a deal that leaves the stage has
// it completed. Only the reminders this rule wrote (its titles, after one was written) are touched.
#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

constexpr std::string_view purpose = "d4.reminder";

struct Plan {
    std::string stage, date, title;
    TimePoint remind_at, deadline;
    std::string key() const { return "reminder:" + stage + ":" + date; }
};

class D4Reminder final : public Rule {
  public:
    explicit D4Reminder(ParamReader& p) {
        namespace d = defaults;
        premeasure_ = p.required_text("stage_premeasure", d::stage_premeasure);
        remeasure_ = p.required_text("stage_remeasure", d::stage_remeasure);
        date_field_ = p.required_text("measure_date_field", d::measure_date_field);
        repeat_date_field_ = p.required_text("repeat_date_field", d::measure_date_field);
        days_before_ = p.integer("days_before", 3, 0, 60);
        repeat_days_before_ = p.integer("repeat_days_before", 3, 0, 60);
        repeat_deadline_days_before_ = p.integer("repeat_deadline_days_before", 2, 0, 60);
        if (repeat_deadline_days_before_ > repeat_days_before_)
            p.error("repeat_deadline_days_before", "expected at most repeat_days_before");
        remind_at_ = p.time_of_day("remind_at", "10:00");
        title_ = p.required_text("activity_title", d::d4::activity_title);
        repeat_title_ = p.required_text("repeat_activity_title", d::d4::repeat_activity_title);
        description_ = p.text("activity_description", d::d4::description);
    }

    std::string_view id() const override { return "D4"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" &&
               (e.kind == EventKind::updated || e.kind == EventKind::created ||
                (e.kind == EventKind::timer && e.timer_purpose == purpose));
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        const Deal* deal = deal_after(c);
        auto plan = deal ? plan_for(*deal, c.calendar) : std::nullopt;
        std::string done = c.state.is_object() ? c.state.value("created", "") : "";
        if (deal && !done.empty() && (!plan || done != plan->key()))
            complete_written(out, c, *deal,
                             plan ? "дата замера перенесена на " + plan->date
                                  : "сделка ушла со стадии " + done_stage(done));
        if (!plan) {
            if (!c.state.is_null()) {
                out.timers.push_back(cancel_timer(e, std::string(purpose)));
                out.state = nlohmann::json();
            }
            return out;
        }
        if (done == plan->key()) return out;
        if (plan->remind_at > c.now) {
            bool armed = c.state.is_object() && c.state.value("armed", "") == plan->key();
            if (!armed) {
                out.timers.push_back(arm_timer(e, std::string(purpose), plan->remind_at,
                                               {{"stage", plan->stage}, {"date", plan->date}}));
                out.state = nlohmann::json{{"armed", plan->key()}, {"created", done}};
            }
            return out;
        }
        auto why = "Дата замера " + plan->date + ": пора подтвердить её с клиентом (регламент D4).";
        out.actions.push_back(
            make_action("activity.todo", e,
                        {{"owner_type_id", 2},
                         {"owner_id", deal->id},
                         {"deadline", iso_text(std::max(plan->deadline, c.now))},
                         {"title", plan->title},
                         {"description", fill_text(description_, {{"date", plan->date}})},
                         {"responsible_id", deal->assigned_by_id}},
                        plan->key(), why));
        out.state = nlohmann::json{{"armed", plan->key()}, {"created", plan->key()}};
        return out;
    }

  private:
    // The open reminders of the deal that this rule wrote for an earlier plan.
    void complete_written(Decision& out, const RuleContext& c, const Deal& deal,
                          const std::string& because) const {
        auto ours = [&](const std::string& subject) {
            for (const auto* title : {&title_, &repeat_title_})
                if (subject.size() >= title->size() &&
                    subject.compare(subject.size() - title->size(), title->size(), *title) == 0)
                    return true;
            return false;
        };
        for (const auto& a : c.world.open_activities_of(c.event.entity)) {
            if (!ours(a.subject)) continue;
            out.actions.push_back(make_action(
                "activity.complete", c.event.entity, {{"activity_id", a.id}}, "close:" + a.id,
                "Напоминание по сделке " + deal.id + " закрыто: " + because + " (D4)."));
        }
    }

    // The stage part of a plan key "reminder:<stage>:<date>".
    static std::string done_stage(const std::string& key) {
        auto first = key.find(':');
        auto last = key.rfind(':');
        return first == std::string::npos || last <= first
                   ? key
                   : key.substr(first + 1, last - first - 1);
    }

    std::optional<Plan> plan_for(const Deal& deal, const Calendar& cal) const {
        if (deal.closed) return std::nullopt;
        bool repeat = deal.stage_id == remeasure_;
        if (!repeat && deal.stage_id != premeasure_) return std::nullopt;
        auto day = field_day(deal.fields, repeat ? repeat_date_field_ : date_field_, cal);
        if (!day) return std::nullopt;
        auto remind_day = working_day_on_or_before(
            cal, *day - date::days{repeat ? repeat_days_before_ : days_before_});
        auto due_day =
            repeat ? working_day_on_or_before(cal, *day - date::days{repeat_deadline_days_before_})
                   : remind_day;
        Plan plan;
        plan.stage = deal.stage_id;
        plan.date = day_text(*day);
        plan.title = repeat ? repeat_title_ : title_;
        plan.remind_at = cal.from_local(LocalTime{remind_day} + remind_at_);
        plan.deadline = cal.end_of_working_day(cal.from_local(LocalTime{due_day}));
        return plan;
    }

    // A reminder due on a weekend is moved to the Friday before, never after the date.
    static date::local_days working_day_on_or_before(const Calendar& cal, date::local_days day) {
        for (int i = 0; i < 14 && !cal.is_working_day(day); ++i)
            day -= date::days{1};
        return day;
    }

    std::string premeasure_, remeasure_, date_field_, repeat_date_field_;
    int days_before_ = 3, repeat_days_before_ = 3, repeat_deadline_days_before_ = 2;
    std::chrono::minutes remind_at_{600};
    std::string title_, repeat_title_, description_;
};

}  // namespace

std::unique_ptr<Rule> make_d4_reminder(ParamReader& p) {
    return std::make_unique<D4Reminder>(p);
}

}  // namespace reglament::rules::deal
