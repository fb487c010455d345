// R3: after each call the manager puts a status or a comment on the card ("нецелевой",
// "недозвон", "на замену" + reason; seed item 1). "Afterwards" is `after_working_minutes` of
// working time after the call; what counts: a timeline comment made after the call started, a
// status change after it, or the result field (when configured) filled.
#include "rules/calls/call_rules.hpp"
#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"
#include "rules/iso_time.hpp"

namespace reglament::rules::calls {
namespace {

using namespace reglament::rules::deal;

constexpr std::string_view prefix = "r3.call:";

class R3CallResult final : public Rule {
  public:
    explicit R3CallResult(ParamReader& p) {
        after_ = std::chrono::minutes{p.integer("after_working_minutes", 30, 1, 24 * 60)};
        result_field_ = p.text("result_field", "");
        text_ = p.required_text("notify_text", defaults::r3::notify_text);
        notify_head_ = p.boolean("notify_head", false);
        head_ = HeadChoice::read(p);
    }

    std::string_view id() const override { return "R3"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::call_ended ||
                (e.kind == EventKind::timer && e.timer_purpose.rfind(prefix, 0) == 0));
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        if (c.event.kind == EventKind::call_ended) {
            if (!c.event.call || !c.event.call->start) return out;
            const auto& call = *c.event.call;
            auto ended = *call.start + std::chrono::seconds{call.duration_seconds};
            // Calls nobody on our side handled (a missed incoming one) need no result.
            if (!call.outgoing() && !call.answered()) return out;
            out.timers.push_back(arm_timer(e, std::string(prefix) + call.call_id,
                                           c.calendar.add_working(ended, after_),
                                           {{"call_id", call.call_id},
                                            {"start", iso_text(*call.start)},
                                            {"phone", call.phone},
                                            {"user_id", call.portal_user_id}}));
            return out;
        }
        const Lead* lead = lead_after(c);
        const auto& payload = c.event.timer_payload;
        auto start = parse_iso8601(payload.value("start", ""));
        if (!lead || !start) return out;
        // A status a person set after the call is its result; one the daemon set (L5's
        // «2. Взят в работу») is not.
        if (lead->moved && *lead->moved >= *start) {
            auto own = c.world.footprint(e).fields;
            auto it = own.find("status_id");
            bool daemons =
                it != own.end() && it->second.value == lead->status_id && it->second.at >= *start;
            if (!daemons) return out;
        }
        if (!result_field_.empty() && !field_text(lead->fields, result_field_).empty()) return out;
        // The daemon's own comments (L2's duplicates, L5's "нет ватсапа") are no call result.
        for (const auto& comment : c.world.timeline_comments(e))
            if (comment.created && *comment.created >= *start && !comment.automated()) return out;

        auto user = payload.value("user_id", "");
        if (user.empty()) user = lead->assigned_by_id;
        auto message = fill_text(text_, {{"lead_title", lead->title},
                                         {"lead_id", lead->id},
                                         {"phone", payload.value("phone", "")},
                                         {"when", moment_text(c.calendar, *start)}});
        notify_people(out.actions, c, e, user, notify_head_ ? &head_ : nullptr, message,
                      "no-result:" + payload.value("call_id", ""),
                      "После звонка нет статуса или комментария в карточке (R3).");
        return out;
    }

  private:
    std::chrono::minutes after_{30};
    std::string result_field_, text_;
    bool notify_head_ = false;
    HeadChoice head_;
};

}  // namespace

std::unique_ptr<Rule> make_r3_call_result(ParamReader& p) {
    return std::make_unique<R3CallResult>(p);
}

}  // namespace reglament::rules::calls
