// D2: the measurement date decides the stage. More than `zamer_max_days` after the decision →
// Предзамер, that many or fewer → Замер, more than `deferred_after_days` → the pipeline
// "Отложенный спрос", in the stage of the measurement's month. Days are calendar days between
// local dates, as the seed counts them ("более чем через три дня от даты принятого решения").
#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

class D2StageByDate final : public Rule {
  public:
    explicit D2StageByDate(ParamReader& p) {
        namespace d = defaults;
        premeasure_ = p.required_text("stage_premeasure", d::stage_premeasure);
        measure_ = p.required_text("stage_measure", d::stage_measure);
        date_field_ = p.required_text("measure_date_field", d::measure_date_field);
        zamer_max_days_ = p.integer("zamer_max_days", 3, 0, 365);
        deferred_after_days_ = p.integer("deferred_after_days", 32, 1, 3650);
        deferred_category_ = p.required_text("deferred_category_id", d::deferred_category);
        month_stages_ = p.text_list("deferred_month_stages", d::deferred_month_stages, 12);
        comment_ = p.required_text("comment", d::d2::comment);
        // A deal entering without D3's fields is sent back by D3; choosing its stage then
        // would fight that restore.
        required_ = RequiredFields::read(p);
    }

    std::string_view id() const override { return "D2"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" &&
               (e.kind == EventKind::updated || e.kind == EventKind::created);
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const Deal* deal = deal_after(c);
        if (!deal || deal->closed) return out;
        if (deal->stage_id != premeasure_ && deal->stage_id != measure_) return out;
        auto measure_day = field_day(deal->fields, date_field_, c.calendar);
        if (!measure_day) return out;
        const Deal* before = deal_before(c);
        bool entered = !before || before->stage_id != deal->stage_id;
        bool date_moved =
            before && field_day(before->fields, date_field_, c.calendar) != measure_day;
        if (!entered && !date_moved) return out;
        if (!required_.missing(*deal).empty()) return out;

        auto decided_at = c.event.at != TimePoint{} ? c.event.at : c.now;
        if (entered && deal->moved) decided_at = *deal->moved;
        auto days = (*measure_day - c.calendar.local_day(decided_at)).count();
        const auto& e = c.event.entity;
        auto date = day_text(*measure_day);
        auto note = fill_text(comment_, {{"date", date}, {"days", std::to_string(days)}});

        if (days > deferred_after_days_) {
            date::year_month_day ymd{*measure_day};
            const auto& stage = month_stages_[static_cast<unsigned>(ymd.month()) - 1];
            auto key = "deferred:" + stage + ":" + date;
            auto why = "Дата замера " + date + " более чем через " +
                       std::to_string(deferred_after_days_) +
                       " дн.: сделка переводится в «Отложенный спрос» (регламент D2).";
            out.actions.push_back(deal_move_action(*deal, e, deferred_category_, stage, key, why));
            out.actions.push_back(comment_action(e, "deal", deal->id, note, key, why));
            return out;
        }
        const auto& want = days > zamer_max_days_ ? premeasure_ : measure_;
        if (deal->stage_id == want) return out;
        auto key = "stage:" + want + ":" + date;
        auto why = "Дата замера " + date + " через " + std::to_string(days) +
                   " дн. от решения: стадия должна быть " + want + " (регламент D2).";
        out.actions.push_back(deal_stage_action(*deal, e, want, key, why));
        out.actions.push_back(comment_action(e, "deal", deal->id, note, key, why));
        return out;
    }

  private:
    std::string premeasure_, measure_, date_field_, deferred_category_, comment_;
    int zamer_max_days_ = 3, deferred_after_days_ = 32;
    std::vector<std::string> month_stages_;
    RequiredFields required_;
};

}  // namespace

std::unique_ptr<Rule> make_d2_stage_by_date(ParamReader& p) {
    return std::make_unique<D2StageByDate>(p);
}

}  // namespace reglament::rules::deal
