// L5 Missed first call (REGULATIONS.md L5; new-lead-intake steps 3–5 and "нет ватсапа").
// Parameters ([rules.L5]):
//   watch_status_ids     ["NEW", "IN_PROCESS"]  statuses in which first calls are counted
//   unanswered_calls     2          unanswered outgoing calls before the template
//   template             "Недозвон"
//   taken_status_id      "IN_PROCESS"  "2. Взят в работу"; "" = do not move
//   no_whatsapp_errors   ["BAD_CONTACT"]  Wazzup error codes meaning "no WhatsApp" (api/wazzup.md)
//   no_whatsapp_comment  "нет ватсапа"
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"
#include "rules/phone.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class L5MissedFirstCall final : public Rule {
  public:
    std::vector<std::string> watch_status_ids;
    int unanswered_calls = 2;
    std::string template_name, taken_status_id;
    std::vector<std::string> no_whatsapp_errors;
    std::string no_whatsapp_comment;

    std::string_view id() const override { return "L5"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::call_ended || e.kind == EventKind::chat_status);
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = lead_of(c);
        if (!lead) return d;
        json state = c.state.is_object() ? c.state : json::object();
        const EntityRef& e = c.event.entity;

        if (c.event.kind == EventKind::chat_status) {
            const auto& m = c.event.message;
            if (!m || state.value("no_whatsapp", false) ||
                !contains(no_whatsapp_errors, m->error_code))
                return d;
            state["no_whatsapp"] = true;
            d.state = state;
            d.actions.push_back(make_action(
                "timeline.comment", e,
                {{"entity_type", "lead"},
                 {"entity_id", lead->id},
                 {"text", no_whatsapp_comment},
                 {"pin", false}},
                "no_whatsapp",
                "Wazzup reports the client's number has no WhatsApp (" + m->error_code + ")"));
            return d;
        }

        const auto& call = c.event.call;
        if (!call || state.value("done", false) || lead_closed(*lead) ||
            !contains(watch_status_ids, lead->status_id))
            return d;
        if (call->answered()) {
            d.state = json{{"done", true}, {"reason", "answered"}};
            return d;
        }
        if (!call->outgoing()) return d;
        int misses = state.value("unanswered", 0) + 1;
        state["unanswered"] = misses;
        d.state = state;
        if (misses < unanswered_calls) return d;
        state["done"] = true;
        d.state = state;
        std::string phone = normalise_phone(call->phone);
        if (phone.empty() && !lead->phones.empty()) phone = normalise_phone(lead->phones.front());
        std::string why =
            std::to_string(misses) + " outgoing calls to the new lead went unanswered";
        if (!phone.empty())
            d.actions.push_back(
                make_action("wazzup.send", e,
                            {{"phone", phone},
                             {"template", template_name},
                             {"values", message_values(*lead, c.staff, c.calendar)}},
                            "missed:send", why));
        if (!taken_status_id.empty() && lead->status_id != taken_status_id)
            d.actions.push_back(
                make_action("lead.update", e,
                            {{"lead_id", lead->id}, {"fields", {{"STATUS_ID", taken_status_id}}}},
                            "missed:status", why));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_l5_missed_first_call(Params& p) {
    auto r = std::make_unique<L5MissedFirstCall>();
    r->watch_status_ids = p.text_list("watch_status_ids", {"NEW", "IN_PROCESS"});
    r->unanswered_calls = p.positive_int("unanswered_calls", 2);
    r->template_name = p.required_text("template", defaults::l5::template_name);
    r->taken_status_id = p.text("taken_status_id", "IN_PROCESS");
    r->no_whatsapp_errors = p.text_list("no_whatsapp_errors", {"BAD_CONTACT"});
    r->no_whatsapp_comment =
        p.required_text("no_whatsapp_comment", defaults::l5::no_whatsapp_comment);
    return r;
}

}  // namespace reglament::rules
