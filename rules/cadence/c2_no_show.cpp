// C2 No-show (REGULATIONS.md C2; ОП-2 "Встреча была назначена, но Клиент не пришёл").
// Parameters ([rules.C2]):
//   meeting_set_status_ids ["UC_MEETING"]   "5. Встреча назначена"
//   held_status_ids        ["UC_MEETING_HELD", "CONVERTED"]  the meeting took place
//   no_show_status_id      "UC_NO_SHOW"   entering it starts the cadence at once ("" = none)
//   meeting_date_field     "UF_CRM_MEETING_DATE"
//   no_show_after_minutes  60   the meeting counts as missed this long after its time
//   stop_status_ids        = meeting_set_status_ids + held_status_ids; stop_field = the date
//   steps                  day 0 start call task "Перезвонить клиенту (неявка на встречу)";
//                          day 0 16:00 the same call task; day 0 17:00 "Аудио Михаила
//                          Николаевича"; day 1 10:00 "Игнор" + call task; day 3 10:00 "Полный
//                          игнор" + call task; day 3 end "JUNK" reason "Нет контакта"
//   reason_field, close_comment, call_task_description   as C1
//   reschedule_text        told to the responsible when the client was reached but by the end
//                          of that working day the lead has no future meeting date in
//                          "5. Встреча назначена"
#include "rules/cadence/cadence.hpp"
#include "rules/iso_time.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class C2NoShow final : public Rule {
  public:
    std::vector<std::string> meeting_set_status_ids, held_status_ids;
    std::string no_show_status_id, meeting_date_field, reschedule_text;
    std::chrono::minutes no_show_after{60};
    Cadence cadence;

    std::string_view id() const override { return "C2"; }
    bool interested(const Event& e) const override { return e.entity.type == "lead"; }

    std::optional<TimePoint> meeting(const Lead& lead) const {
        auto it = lead.fields.find(meeting_date_field);
        if (it == lead.fields.end() || !it->is_string()) return std::nullopt;
        return parse_iso8601(it->get<std::string>());
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead) return d;
        const EntityRef& e = c.event.entity;
        const Event& ev = c.event;
        const json state = c.state.is_object() ? c.state : json::object();
        if (ev.kind == EventKind::timer && ev.timer_purpose == "reschedule_check") {
            auto when = meeting(*lead);
            if (contains(meeting_set_status_ids, lead->status_id) && when && *when > c.now)
                return d;
            d.actions.push_back(
                notify(e, lead->assigned_by_id, fill(reschedule_text, lead_values(*lead, c.staff)),
                       "run" + std::to_string(state.value("run", 1)) + ":reschedule",
                       "the client was reached after a no-show but no new "
                       "meeting was set that working day"));
            return d;
        }
        if (cadence.active(c.state)) {
            if (auto reason = cadence.stop_reason(c)) {
                cadence.stop(d, c, *reason);
                d.timers.push_back(
                    arm(e, "reschedule_check", c.calendar.end_of_working_day(c.now)));
            } else if (ev.kind == EventKind::timer && ev.timer_purpose == "step") {
                cadence.on_timer(d, c, *lead);
            }
            return d;
        }
        if (lead_closed(*lead) || contains(held_status_ids, lead->status_id)) return d;
        const Lead* before = lead_before(c);
        bool entered_no_show = !no_show_status_id.empty() && lead->status_id == no_show_status_id &&
                               (!before || before->status_id != no_show_status_id);
        auto when = meeting(*lead);
        bool missed = ev.kind == EventKind::timer && ev.timer_purpose == "meeting_passed" &&
                      contains(meeting_set_status_ids, lead->status_id) && when &&
                      ev.timer_payload.value("meeting", "") == iso(*when);
        if (entered_no_show || missed) {
            cadence.start(d, c, *lead, c.now);
            // This meeting is dealt with: a later look at the lead (its closing, a stale read)
            // must not arm its no-show again.
            if (when) (*d.state)["watch"] = iso(*when);
            return d;
        }
        // Watch the meeting time: a timer a little after it, re-armed when the date moves.
        if (ev.kind != EventKind::timer && contains(meeting_set_status_ids, lead->status_id) &&
            when && state.value("watch", "") != iso(*when)) {
            json next = state;
            next["watch"] = iso(*when);
            next.erase("finished");
            d.state = next;
            d.timers.push_back(
                arm(e, "meeting_passed", *when + no_show_after, {{"meeting", iso(*when)}}));
        }
        return d;
    }
};

json c2_default_steps() {
    return json::array({
        {{"day", 0}, {"at", "start"}, {"call_task", defaults::cadence::no_show_call_task_title}},
        {{"day", 0}, {"at", "16:00"}, {"call_task", defaults::cadence::no_show_call_task_title}},
        {{"day", 0}, {"at", "17:00"}, {"template", defaults::cadence::audio_template}},
        {{"day", 1},
         {"at", "10:00"},
         {"template", defaults::cadence::ignore_template},
         {"call_task", defaults::cadence::call_task_title}},
        {{"day", 3},
         {"at", "10:00"},
         {"template", defaults::cadence::full_ignore_template},
         {"call_task", defaults::cadence::call_task_title}},
        {{"day", 3},
         {"at", "end"},
         {"status_id", "JUNK"},
         {"reason", defaults::cadence::close_reason}},
    });
}

}  // namespace

std::unique_ptr<Rule> make_c2_no_show(Params& p) {
    auto r = std::make_unique<C2NoShow>();
    r->meeting_set_status_ids = p.text_list("meeting_set_status_ids", {"UC_MEETING"});
    r->held_status_ids = p.text_list("held_status_ids", {"UC_MEETING_HELD", "CONVERTED"});
    r->no_show_status_id = p.text("no_show_status_id", "UC_NO_SHOW");
    r->meeting_date_field = p.required_text("meeting_date_field", "UF_CRM_MEETING_DATE");
    r->no_show_after = p.positive_minutes("no_show_after_minutes", 60);
    r->reschedule_text = p.required_text("reschedule_text", defaults::cadence::reschedule_text);
    auto stops = r->meeting_set_status_ids;
    stops.insert(stops.end(), r->held_status_ids.begin(), r->held_status_ids.end());
    r->cadence = Cadence::read(p, c2_default_steps(), stops, r->meeting_date_field);
    r->cadence.close_comment = p.text("close_comment", defaults::cadence::close_comment);
    r->cadence.call_task_description = p.text("call_task_description", "");
    return r;
}

}  // namespace reglament::rules
