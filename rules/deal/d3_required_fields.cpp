// D3: entering Предзамер or Замер requires the full address (seven parts), the expected
// measurement date, "Видеосъёмка разрешена" answered and the pre-calculation sum. The task title
// lists exactly what is missing so the manager need not open the regulation.
#include <cmath>
#include <cstdlib>

#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

class D3RequiredFields final : public Rule {
  public:
    explicit D3RequiredFields(ParamReader& p) {
        namespace d = defaults;
        stages_ = p.text_list("stages",
                              {std::string(d::stage_premeasure), std::string(d::stage_measure)});
        required_ = RequiredFields::read(p);
        restore_ = p.boolean("restore_stage", true);
        title_ = p.required_text("task_title", d::d3::task_title);
        description_ = p.text("task_description", d::d3::task_description);
        date_mismatch_ =
            p.required_text("accounting_date_mismatch_text", d::d3::accounting_date_mismatch);
        sum_mismatch_ =
            p.required_text("accounting_sum_mismatch_text", d::d3::accounting_sum_mismatch);
    }

    std::string_view id() const override { return "D3"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" &&
               (e.kind == EventKind::updated || e.kind == EventKind::created);
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const Deal* deal = deal_after(c);
        if (!deal || deal->closed || !contains(stages_, deal->stage_id)) return out;
        const Deal* before = deal_before(c);
        if (before && before->stage_id == deal->stage_id) return out;  // checked on entry only
        auto missing = required_.missing(*deal);
        compare_with_accounting(c, *deal, missing);
        if (missing.empty()) return out;

        const auto& e = c.event.entity;
        auto list = joined(missing);
        auto when = deal->moved ? iso_text(*deal->moved) : iso_text(c.event.at);
        auto key = "missing:" + deal->stage_id + ":" + when;
        auto why = "Сделка переведена в " + deal->stage_id + " без обязательных полей: " + list +
                   " (регламент D3).";
        // Never "restore" into a closed stage: a deal D6 reopened from won/lost would be closed
        // again, and D6 would reopen it, for ever. The task still asks for the fields.
        bool can_restore = restore_ && before && before->category_id == deal->category_id &&
                           !before->stage_id.empty() && !before->closed &&
                           before->stage_semantic != "S" && before->stage_semantic != "F";
        if (can_restore)
            out.actions.push_back(deal_stage_action(*deal, e, before->stage_id, key, why));
        auto deadline = c.calendar.end_of_working_day(c.now);
        out.actions.push_back(task_action(e, "D_" + deal->id,
                                          fill_text(title_, {{"missing", list}}),
                                          fill_text(description_, {{"missing", list}}),
                                          deal->assigned_by_id, deadline, key, why));
        return out;
    }

  private:
    // "Поля «предполагаемая дата замера» и «сумма предварительного просчёта» должны совпадать в
    // сделке и в учёте клиентов" (seed, item 4): checked only when a check reaches that program.
    void compare_with_accounting(const RuleContext& c, const Deal& deal,
                                 std::vector<std::string>& problems) const {
        auto record = c.world.client_accounting(deal.id);
        if (!record) return;
        auto day = field_day(deal.fields, required_.measure_date, c.calendar);
        auto theirs = field_day(nlohmann::json{{"d", record->measure_date}}, "d", c.calendar);
        if (day && day != theirs) problems.push_back(date_mismatch_);
        // A sum the portal wrote as text that is not a plain number is not compared.
        auto sum = field_text(deal, required_.precalc_sum);
        char* end = nullptr;
        double ours = std::strtod(sum.c_str(), &end);
        bool readable = !sum.empty() && end && *end == '\0';
        if (readable && record->precalc_sum && std::abs(ours - *record->precalc_sum) > 0.005)
            problems.push_back(sum_mismatch_);
    }

    std::string date_mismatch_, sum_mismatch_;
    std::vector<std::string> stages_;
    RequiredFields required_;
    bool restore_ = true;
    std::string title_, description_;
};

}  // namespace

std::unique_ptr<Rule> make_d3_required_fields(ParamReader& p) {
    return std::make_unique<D3RequiredFields>(p);
}

}  // namespace reglament::rules::deal
