// H7 Incubator after a month (REGULATIONS.md H7; ОП-15 "Работа с лидом проводится в течение 1
// месяца … убирает лиды в инкубатор").
// Parameters ([rules.H7]):
//   after_months         1
//   incubator_status_id  "UC_INCUBATOR"   "Инкубатор"
//   meeting_status_ids   ["UC_MEETING", "UC_MEETING_HELD", "CONVERTED"]  a meeting reached
//   meeting_date_field   "UF_CRM_MEETING_DATE"  a date here also counts as a meeting reached
//   skip_status_ids      []
//   reason_field         ""   incubator_reason ""
//   incubator_comment    "Встречу не удалось назначить за месяц …"
//   heads                []   head_text "Лид «{lead_title}» ({responsible}) перенесён в «Инкубатор»
//   …"
// Checked on the sweep only, as the head would do it.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H7Incubator final : public Rule {
  public:
    int after_months = 1;
    StatusMove move;
    std::vector<std::string> meeting_status_ids, skip_status_ids;
    std::string meeting_date_field;
    Escalation heads;
    std::string head_text;

    std::string_view id() const override { return "H7"; }
    std::vector<std::string> exit_status_ids() const override { return {move.status_id}; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" && e.kind == EventKind::sweep;
    }

    // Created + N calendar months in local time; the 31st rolls back to the month's last day.
    TimePoint limit(const Calendar& cal, TimePoint created) const {
        auto local = cal.to_local(created);
        auto day = date::floor<date::days>(local);
        date::year_month_day ymd{day};
        auto target = ymd.year() / ymd.month() / 1 + date::months(after_months);
        auto last = date::year_month_day_last(target.year(), date::month_day_last(target.month()));
        auto d = std::min(ymd.day(), last.day());
        date::local_days moved{target.year() / target.month() / d};
        return cal.from_local(LocalTime(moved) + (local - day));
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead || !lead->created || lead_closed(*lead) || lead->status_id == move.status_id ||
            contains(meeting_status_ids, lead->status_id) ||
            contains(skip_status_ids, lead->status_id))
            return d;
        auto it = lead->fields.find(meeting_date_field);
        if (it != lead->fields.end() && it->is_string() && !it->get<std::string>().empty())
            return d;
        if (c.now < limit(c.calendar, *lead->created)) return d;
        if (c.state.is_object() && c.state.value("moved", false)) return d;
        d.state = json{{"moved", true}};
        std::string why = "no meeting was set within " + std::to_string(after_months) +
                          " month(s) of the lead's arrival";
        d.actions = move.actions(*lead, c.staff, "incubator", why);
        heads.notify_all(d.actions, c.staff, c.event.entity,
                         fill(head_text, lead_values(*lead, c.staff)), "incubator:head", why);
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h7_incubator(Params& p) {
    auto r = std::make_unique<H7Incubator>();
    r->after_months = p.positive_int("after_months", 1);
    r->move = StatusMove::read(p, "incubator_", "UC_INCUBATOR", "", defaults::h7::comment);
    r->meeting_status_ids =
        p.text_list("meeting_status_ids", {"UC_MEETING", "UC_MEETING_HELD", "CONVERTED"});
    r->meeting_date_field = p.required_text("meeting_date_field", "UF_CRM_MEETING_DATE");
    r->skip_status_ids = p.text_list("skip_status_ids", {});
    r->heads = Escalation::read(p);
    r->head_text = p.required_text("head_text", defaults::h7::head_text);
    return r;
}

}  // namespace reglament::rules
