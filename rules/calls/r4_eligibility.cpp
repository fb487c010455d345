// R4: when the plan's window closes (a timer at the end of day 3) or the qualifying field turns
// "no", the lead is assessed against the call log; an eligible one gets the status "на замену"
// and a comment with the reason, as the seed asks of the client (item 1).
#include "rules/calls/call_rules.hpp"
#include "rules/calls/eligibility.hpp"
#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::calls {
namespace {

using namespace reglament::rules::deal;

constexpr std::string_view r4_purpose = "r4.assess";

class R4Eligibility final : public Rule {
  public:
    explicit R4Eligibility(ParamReader& p) {
        namespace d = defaults::r4;
        spec_ = read_dial_plan(p);
        field_ = p.required_text("qualifying_field", d::qualifying_field);
        no_value_ = p.required_text("qualifying_no_value", d::qualifying_no);
        status_ = p.text("replacement_status", d::replacement_status);
        comment_ = p.required_text("comment", d::comment);
        never_text_ = p.required_text("never_reached_text", d::never_reached);
        no_text_ = p.required_text("answered_no_text", d::answered_no);
    }

    std::string_view id() const override { return "R4"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::updated ||
                (e.kind == EventKind::timer && e.timer_purpose == r4_purpose));
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        const Lead* lead = lead_after(c);
        if (!lead || (c.state.is_object() && c.state.value("flagged", false))) return out;
        auto arrived = lead->created.value_or(c.event.at);
        if (c.event.kind == EventKind::created) {
            if (lead->phones.empty()) return out;
            out.timers.push_back(
                arm_timer(e, std::string(r4_purpose), plan_window_end(arrived, c.calendar, spec_)));
            return out;
        }
        NumberRecord number;
        number.phone = lead->phones.empty() ? "" : lead->phones.front();
        number.lead_id = lead->id;
        number.arrived = arrived;
        number.answered_no = field_text(lead->fields, field_) == no_value_;
        bool reached_incoming = false;
        for (const auto& call : c.world.calls_of(e)) {
            if (!call.start) continue;
            if (call.outgoing())
                number.attempts.push_back(
                    {*call.start, call.duration_seconds, call.failed_code, call.answered()});
            else
                reached_incoming = reached_incoming || call.answered();
        }
        if (c.event.kind == EventKind::updated && !number.answered_no) return out;
        auto a = assess_number(number, c.now, c.calendar, spec_);
        if (a.verdict != Verdict::eligible) return out;
        if (a.basis == "never_reached" && reached_incoming) return out;

        auto reason = a.basis == "answered_no"
                          ? no_text_
                          : fill_text(never_text_,
                                      {{"attempts", std::to_string(a.check.attempts_in_window)}});
        auto why = "Номер подлежит замене: " + reason + " (R4).";
        if (!status_.empty())
            out.actions.push_back(make_action(
                "lead.update", e, {{"lead_id", lead->id}, {"fields", {{"STATUS_ID", status_}}}},
                "replacement", why));
        out.actions.push_back(comment_action(
            e, "lead", lead->id, fill_text(comment_, {{"reason", reason}}), "replacement", why));
        out.timers.push_back(cancel_timer(e, std::string(r4_purpose)));
        out.state = nlohmann::json{{"flagged", true}};
        return out;
    }

  private:
    DialPlanSpec spec_;
    std::string field_, no_value_, status_, comment_, never_text_, no_text_;
};

}  // namespace

std::unique_ptr<Rule> make_r4_eligibility(ParamReader& p) {
    return std::make_unique<R4Eligibility>(p);
}

}  // namespace reglament::rules::calls
