// D5: the morning after a measurement (the next working day, seed "следующего за замером дня"):
// 10:15 no contract and no measurement sheets → stage "Нет замерного листа"; 10:45 the result
// must be in from the engineer (the responsible is reminded); 11:00 the stage must show the
// result (responsible and head are told). Timers are armed per measurement date and re-armed
// when the date moves; a deal that left the measurement stages has them cancelled.
#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

constexpr std::string_view sheet_purpose = "d5.sheet";
constexpr std::string_view engineer_purpose = "d5.engineer";
constexpr std::string_view result_purpose = "d5.result";

class D5Cutoffs final : public Rule {
  public:
    explicit D5Cutoffs(ParamReader& p) {
        namespace d = defaults;
        measure_ = p.required_text("stage_measure", d::stage_measure);
        remeasure_ = p.required_text("stage_remeasure", d::stage_remeasure);
        date_field_ = p.required_text("measure_date_field", d::measure_date_field);
        repeat_date_field_ = p.required_text("repeat_date_field", d::measure_date_field);
        no_sheet_stage_ = p.required_text("no_sheet_stage", d::stage_no_sheet);
        contract_field_ = p.required_text("contract_number_field", d::contract_number_field);
        sheets_field_ = p.required_text("sheets_field", d::sheets_field);
        sheet_by_ = p.time_of_day("sheet_by", "10:15");
        engineer_by_ = p.time_of_day("engineer_by", "10:45");
        result_by_ = p.time_of_day("result_by", "11:00");
        engineer_text_ = p.required_text("engineer_text", d::d5::engineer_text);
        result_text_ = p.required_text("result_text", d::d5::result_text);
        no_sheet_comment_ = p.required_text("no_sheet_comment", d::d5::no_sheet_comment);
        head_ = HeadChoice::read(p);
    }

    std::string_view id() const override { return "D5"; }

    bool interested(const Event& e) const override {
        if (e.entity.type != "deal") return false;
        if (e.kind == EventKind::timer)
            return e.timer_purpose == sheet_purpose || e.timer_purpose == engineer_purpose ||
                   e.timer_purpose == result_purpose;
        return e.kind == EventKind::updated || e.kind == EventKind::created;
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        const Deal* deal = deal_after(c);
        auto day = deal ? measurement_day(*deal, c.calendar) : std::nullopt;
        std::string armed = c.state.is_object() ? c.state.value("date", "") : "";
        if (!day) {
            if (!armed.empty()) {
                for (auto p : {sheet_purpose, engineer_purpose, result_purpose})
                    out.timers.push_back(cancel_timer(e, std::string(p)));
                out.state = nlohmann::json();
            }
            return out;
        }
        auto date = day_text(*day);
        if (c.event.kind == EventKind::timer) {
            if (c.event.timer_payload.value("date", "") == date) fire(c, *deal, date, out);
            return out;
        }
        if (armed == date) return out;
        auto measured = c.calendar.from_local(LocalTime{*day} + std::chrono::hours{12});
        nlohmann::json payload{{"date", date}};
        out.timers.push_back(arm_timer(e, std::string(sheet_purpose),
                                       c.calendar.next_working_day_at(measured, sheet_by_),
                                       payload));
        out.timers.push_back(arm_timer(e, std::string(engineer_purpose),
                                       c.calendar.next_working_day_at(measured, engineer_by_),
                                       payload));
        out.timers.push_back(arm_timer(e, std::string(result_purpose),
                                       c.calendar.next_working_day_at(measured, result_by_),
                                       payload));
        out.state = nlohmann::json{{"date", date}};
        return out;
    }

  private:
    std::optional<date::local_days> measurement_day(const Deal& deal, const Calendar& cal) const {
        if (deal.closed) return std::nullopt;
        if (deal.stage_id == measure_) return field_day(deal.fields, date_field_, cal);
        if (deal.stage_id == remeasure_) return field_day(deal.fields, repeat_date_field_, cal);
        return std::nullopt;
    }

    void fire(const RuleContext& c, const Deal& deal, const std::string& date,
              Decision& out) const {
        const auto& e = c.event.entity;
        const auto& purpose = c.event.timer_purpose;
        auto values = std::map<std::string, std::string>{
            {"deal_title", deal.title}, {"deal_id", deal.id}, {"date", date}};
        if (purpose == sheet_purpose) {
            if (!field_text(deal, contract_field_).empty() ||
                !field_text(deal, sheets_field_).empty())
                return;
            auto key = "no-sheet:" + date;
            auto why = "Замер " + date +
                       ": к утру следующего рабочего дня нет ни договора, ни замерных листов "
                       "(регламент D5).";
            out.actions.push_back(deal_stage_action(deal, e, no_sheet_stage_, key, why));
            out.actions.push_back(comment_action(e, "deal", deal.id, no_sheet_comment_, key, why));
        } else if (purpose == engineer_purpose) {
            auto why = "Замер " + date + ": результат от инженера ещё не внесён (регламент D5).";
            notify_people(out.actions, c, e, deal.assigned_by_id, nullptr,
                          fill_text(engineer_text_, values), "engineer:" + date, why);
        } else {
            auto why = "Замер " + date +
                       ": к сроку стадия сделки не отражает результат замера (регламент D5).";
            notify_people(out.actions, c, e, deal.assigned_by_id, &head_,
                          fill_text(result_text_, values), "result:" + date, why);
        }
    }

    std::string measure_, remeasure_, date_field_, repeat_date_field_, no_sheet_stage_;
    std::string contract_field_, sheets_field_;
    std::chrono::minutes sheet_by_{615}, engineer_by_{645}, result_by_{660};
    std::string engineer_text_, result_text_, no_sheet_comment_;
    HeadChoice head_;
};

}  // namespace

std::unique_ptr<Rule> make_d5_cutoffs(ParamReader& p) {
    return std::make_unique<D5Cutoffs>(p);
}

}  // namespace reglament::rules::deal
