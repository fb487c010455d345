// C1 Qualified, no meeting (REGULATIONS.md C1; ОП-2 "Квалификация пройдена, но встречу назначить
// не удалось").
// Parameters ([rules.C1]):
//   qualified_status_ids  ["UC_QUALIFIED"]   start: the lead is in one of these …
//   meeting_date_field    "UF_CRM_MEETING_DATE"  … with this field empty …
//                          … and no open task (a person's, not the daemon's) or activity
//                          with a deadline still ahead
//   stop_status_ids       ["UC_MEETING", "UC_MEETING_HELD", "CONVERTED"] ("5. Встреча
//                          назначена" and later)
//   stop_field            = meeting_date_field
//   steps                 the ОП-2 ladder (cadence.hpp): day 0 start template "" (НАПИСАТЬ
//                          ШАБЛОН); day 1 10:00 call task "Позвонить клиенту"; day 1 16:00
//                          "Аудио Михаила Николаевича"; day 2 10:00 "Игнор" + call task; day 4
//                          10:00 "Полный игнор" + call task; day 4 end status "JUNK" ("Отказ.
//                          Сделка закрыта") reason "Нет контакта"
//   reason_field          ""      close_comment "Лид закрыт, причина отказа: {reason}."
//   call_task_description ""
// After a cadence ends it starts again only when the lead leaves the qualified status and
// comes back to it. A second cadence of the same shape (another start status, other steps) is
// just another table: the registry builds C3, C4 … with this rule.
#include "rules/cadence/cadence.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class C1NoMeeting final : public Rule {
  public:
    std::vector<std::string> qualified_status_ids;
    std::string meeting_date_field;
    Cadence cadence;

    std::string rule_id = "C1";

    std::string_view id() const override { return rule_id; }
    bool interested(const Event& e) const override { return e.entity.type == "lead"; }

    bool may_start(const RuleContext& c, const Lead& lead) const {
        if (lead_closed(lead) || !contains(qualified_status_ids, lead.status_id)) return false;
        auto it = lead.fields.find(meeting_date_field);
        if (it != lead.fields.end() && !it->is_null() &&
            !(it->is_string() && it->get<std::string>().empty()))
            return false;
        // A next call agreed with the client is a person's task; the regulations' own tasks
        // (H1 "Определить следующий шаг", a dial-plan attempt) are no such date.
        for (const auto& t : c.world.open_tasks_bound_to(crm_binding(c.event.entity)))
            if (t.deadline && *t.deadline > c.now && !t.automated()) return false;
        for (const auto& a : c.world.open_activities_of(c.event.entity))
            if (a.deadline && *a.deadline > c.now) return false;
        return true;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead) return d;
        if (cadence.active(c.state)) {
            if (auto reason = cadence.stop_reason(c)) {
                cadence.stop(d, c, *reason);
            } else if (c.event.kind == EventKind::timer && c.event.timer_purpose == "step") {
                cadence.on_timer(d, c, *lead);
            }
            return d;
        }
        if (c.state.is_object() && c.state.contains("finished")) {
            // Done for this stay in the qualified status; re-arm once the lead leaves it.
            if (!contains(qualified_status_ids, lead->status_id))
                d.state = json{{"run", c.state.value("run", 0)}};
            return d;
        }
        // Only a change of the lead starts it: a message or call is contact, not a trigger.
        bool lead_change = c.event.kind == EventKind::created ||
                           c.event.kind == EventKind::updated || c.event.kind == EventKind::sweep;
        if (!lead_change || c.event.name.starts_with("lookup.") || !may_start(c, *lead)) return d;
        cadence.start(d, c, *lead, c.now);
        return d;
    }
};

}  // namespace

static json c1_default_steps() {
    return json::array({
        {{"day", 0}, {"at", "start"}, {"template", ""}},
        {{"day", 1}, {"at", "10:00"}, {"call_task", defaults::cadence::call_task_title}},
        {{"day", 1}, {"at", "16:00"}, {"template", defaults::cadence::audio_template}},
        {{"day", 2},
         {"at", "10:00"},
         {"template", defaults::cadence::ignore_template},
         {"call_task", defaults::cadence::call_task_title}},
        {{"day", 4},
         {"at", "10:00"},
         {"template", defaults::cadence::full_ignore_template},
         {"call_task", defaults::cadence::call_task_title}},
        {{"day", 4},
         {"at", "end"},
         {"status_id", "JUNK"},
         {"reason", defaults::cadence::close_reason}},
    });
}

std::unique_ptr<Rule> make_c1_no_meeting(Params& p) {
    auto r = std::make_unique<C1NoMeeting>();
    r->rule_id = p.rule_id();
    r->qualified_status_ids = p.text_list("qualified_status_ids", {"UC_QUALIFIED"});
    r->meeting_date_field = p.required_text("meeting_date_field", "UF_CRM_MEETING_DATE");
    r->cadence =
        Cadence::read(p, c1_default_steps(), {"UC_MEETING", "UC_MEETING_HELD", "CONVERTED"},
                      r->meeting_date_field);
    r->cadence.close_comment = p.text("close_comment", defaults::cadence::close_comment);
    r->cadence.call_task_description = p.text("call_task_description", "");
    return r;
}

}  // namespace reglament::rules
