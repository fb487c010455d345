// R1: the first call within 6 working hours of the number's arrival (seed item 3). R2 already
// gives the first task that deadline; R1 tells the responsible and the head when it passed.
#include "rules/calls/call_rules.hpp"
#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::calls {
namespace {

using namespace reglament::rules::deal;

constexpr std::string_view r1_purpose = "r1.first_call";

class R1FirstCall final : public Rule {
  public:
    explicit R1FirstCall(ParamReader& p) {
        hours_ = p.integer("first_call_hours", 6, 1, 72);
        text_ = p.required_text("notify_text", defaults::r1::notify_text);
        head_ = HeadChoice::read(p);
    }

    std::string_view id() const override { return "R1"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::call_ended ||
                (e.kind == EventKind::timer && e.timer_purpose == r1_purpose));
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        const Lead* lead = lead_after(c);
        switch (c.event.kind) {
            case EventKind::created:
                if (!lead || lead->phones.empty() || !lead->in_process() || !c.state.is_null())
                    return out;
                out.timers.push_back(
                    arm_timer(e, std::string(r1_purpose),
                              c.calendar.add_working(lead->created.value_or(c.event.at),
                                                     std::chrono::hours{hours_})));
                out.state = nlohmann::json{{"called", false}};
                return out;
            case EventKind::call_ended:
                if (!c.event.call || !c.event.call->outgoing() || !c.state.is_object() ||
                    c.state.value("called", true))
                    return out;
                out.timers.push_back(cancel_timer(e, std::string(r1_purpose)));
                out.state = nlohmann::json{{"called", true}};
                return out;
            default:
                break;
        }
        if (!c.state.is_object() || c.state.value("called", true)) return out;
        // A lead that left the process (rejected, incubated, converted, deleted) is nobody's
        // first call any more.
        if (!lead || !lead->in_process()) {
            out.state = nlohmann::json{{"called", true}};
            return out;
        }
        auto message = fill_text(text_, {{"lead_title", lead->title},
                                         {"lead_id", lead->id},
                                         {"hours", std::to_string(hours_)}});
        notify_people(out.actions, c, e, lead->assigned_by_id, &head_, message, "late",
                      "Первый звонок по номеру не сделан за " + std::to_string(hours_) +
                          " рабочих часов (R1).");
        out.state = nlohmann::json{{"called", true}};
        return out;
    }

  private:
    int hours_ = 6;
    std::string text_;
    HeadChoice head_;
};

}  // namespace

std::unique_ptr<Rule> make_r1_first_call(ParamReader& p) {
    return std::make_unique<R1FirstCall>(p);
}

}  // namespace reglament::rules::calls
