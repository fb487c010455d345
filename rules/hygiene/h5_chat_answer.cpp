// H5 WhatsApp answer within 5 working minutes (REGULATIONS.md H5; ОП-15 "Оперативно отвечать на
// сообщения клиента в ватсапе в течение 5 минут").
// Parameters ([rules.H5]):
//   answer_within_minutes  5    working minutes
//   head_after_minutes     15   working minutes before the heads are told
//   heads                  []   head keys; [] = every head
//   notify_text            "Клиент по лиду «{lead_title}» ждёт ответа в WhatsApp больше {minutes}
//   мин." head_text              "Клиенту по лиду «{lead_title}» ({responsible}) не ответили …"
// The clock starts at the first unanswered inbound message; an outgoing message in the same chat
// stops it.
#include "rules/iso_time.hpp"
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class H5ChatAnswer final : public Rule {
  public:
    std::chrono::minutes answer_within{5}, head_after{15};
    Escalation heads;
    std::string notify_text, head_text;

    std::string_view id() const override { return "H5"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::chat_message || e.kind == EventKind::timer);
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = lead_of(c);
        if (!lead) return d;
        const EntityRef& e = c.event.entity;
        bool waiting = c.state.is_object() && c.state.value("waiting", false);
        if (c.event.kind == EventKind::chat_message && c.event.message) {
            const ChatMessage& m = *c.event.message;
            if (m.inbound) {
                if (waiting) return d;
                TimePoint at = m.at.value_or(c.event.at);
                d.state = json{{"waiting", true}, {"since", iso(at)}, {"chat_id", m.chat_id}};
                d.timers.push_back(arm(e, "answer_due", c.calendar.add_working(at, answer_within),
                                       {{"since", iso(at)}}));
                d.timers.push_back(arm(e, "answer_head", c.calendar.add_working(at, head_after),
                                       {{"since", iso(at)}}));
                return d;
            }
            if (waiting && m.status != "error" &&
                (m.chat_id.empty() || m.chat_id == c.state.value("chat_id", ""))) {
                d.state = json();
                d.timers = {cancel(e, "answer_due"), cancel(e, "answer_head")};
            }
            return d;
        }
        if (c.event.kind != EventKind::timer || !waiting) return d;
        // A lead that left the process while the client waited is nobody's to answer for.
        if (lead_closed(*lead)) {
            d.state = json();
            return d;
        }
        std::string since = c.state.value("since", "");
        if (c.event.timer_payload.value("since", "") != since) return d;
        auto values = lead_values(*lead, c.staff);
        if (c.event.timer_purpose == "answer_due") {
            values["minutes"] = std::to_string(answer_within.count());
            d.actions.push_back(notify(e, lead->assigned_by_id, fill(notify_text, values),
                                       "answer_due:" + since,
                                       "a client's WhatsApp message has had no answer for " +
                                           values["minutes"] + " working minutes"));
        } else if (c.event.timer_purpose == "answer_head") {
            values["minutes"] = std::to_string(head_after.count());
            heads.notify_all(d.actions, c.staff, e, fill(head_text, values), "answer_head:" + since,
                             "a client's WhatsApp message has had no answer for " +
                                 values["minutes"] + " working minutes");
        }
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_h5_chat_answer(Params& p) {
    auto r = std::make_unique<H5ChatAnswer>();
    r->answer_within = p.positive_minutes("answer_within_minutes", 5);
    r->head_after = p.positive_minutes("head_after_minutes", 15);
    r->heads = Escalation::read(p);
    r->notify_text = p.required_text("notify_text", defaults::h5::notify_text);
    r->head_text = p.required_text("head_text", defaults::h5::head_text);
    return r;
}

}  // namespace reglament::rules
