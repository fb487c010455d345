// R2 (with R1's deadline): each call task of the dial plan is created when its moment comes (a
// timer), the plan follows the calls actually made, and it stops as soon as the client is
// reached (an answered call either way): the open plan tasks are completed, the timer cancelled.
#include <algorithm>

#include "rules/calls/call_rules.hpp"
#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"
#include "rules/iso_time.hpp"

namespace reglament::rules::calls {
namespace {

using namespace reglament::rules::deal;

constexpr std::string_view r2_purpose = "r2.attempt";

std::vector<TimePoint> times_of(const nlohmann::json& list) {
    std::vector<TimePoint> out;
    if (list.is_array())
        for (const auto& item : list)
            if (auto t = parse_iso8601(item.get<std::string>())) out.push_back(*t);
    return out;
}

class R2DialPlan final : public Rule {
  public:
    explicit R2DialPlan(ParamReader& p) {
        spec_ = read_dial_plan(p);
        title_ = p.required_text("task_title", defaults::r2::task_title);
        description_ = p.text("task_description", defaults::r2::task_description);
    }

    std::string_view id() const override { return "R2"; }

    bool interested(const Event& e) const override {
        if (e.entity.type != "lead") return false;
        return e.kind == EventKind::created || e.kind == EventKind::updated ||
               e.kind == EventKind::call_ended ||
               (e.kind == EventKind::timer && e.timer_purpose == r2_purpose);
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const auto& e = c.event.entity;
        const Lead* lead = lead_after(c);
        nlohmann::json state = c.state;
        if (state.is_null()) {
            // Only a lead that arrives with a phone starts a plan (a "new number").
            if (c.event.kind != EventKind::created || !lead || lead->phones.empty()) return out;
            auto arrived = lead->created.value_or(c.event.at);
            state = {{"arrived", iso_text(arrived)},
                     {"calls", nlohmann::json::array()},
                     {"created", nlohmann::json::array()},
                     {"titles", nlohmann::json::array()},
                     {"done", false}};
        }
        if (state.value("done", false)) return out;

        // A lead that left the process (rejected, incubated, converted) or is gone has no plan;
        // the engine completes the daemon's open tasks on it (lead-life).
        bool left = !lead || !lead->in_process();
        bool stop = left;
        if (c.event.kind == EventKind::call_ended && c.event.call) {
            const auto& call = *c.event.call;
            if (call.answered()) {
                stop = true;
            } else if (call.outgoing() && call.start) {
                state["calls"].push_back(iso_text(*call.start));
                // The attempt was made: its task is done, not overdue (H2) for the manager who
                // called.
                complete_plan_tasks(c, state, out, "called:",
                                    "Попытка дозвона сделана: задача плана выполнена (R2).");
            }
        }
        if (stop) {
            finish(c, state, out, !left);
            return out;
        }

        auto arrived = parse_iso8601(state["arrived"].get<std::string>()).value_or(c.now);
        auto next = next_attempt(arrived, times_of(state["calls"]), c.now, c.calendar, spec_);
        if (!next) {
            state["done"] = true;
            out.timers.push_back(cancel_timer(e, std::string(r2_purpose)));
        } else if (next->due > c.now) {
            out.timers.push_back(arm_timer(e, std::string(r2_purpose), next->due));
        } else {
            bool created = false;
            for (const auto& s : state["created"])
                created = created || s.get<int>() == next->slot;
            if (!created) {
                auto values =
                    std::map<std::string, std::string>{{"attempt", std::to_string(next->slot)},
                                                       {"total", std::to_string(spec_.total())},
                                                       {"day", std::to_string(next->day)}};
                auto title = fill_text(title_, values);
                auto responsible = lead ? lead->assigned_by_id : std::string();
                out.actions.push_back(
                    task_action(e, "L_" + e.id, title, fill_text(description_, values), responsible,
                                next->deadline, "attempt:" + std::to_string(next->slot),
                                "План дозвона: попытка " + std::to_string(next->slot) + " (день " +
                                    std::to_string(next->day) + ") по регламенту замен (R2)."));
                state["created"].push_back(next->slot);
                state["titles"].push_back(title);
            }
            // Re-evaluate when the slot's day ends, so a missed day moves on to the next one.
            out.timers.push_back(
                arm_timer(e, std::string(r2_purpose), c.calendar.end_of_working_day(next->due)));
        }
        if (state != c.state) out.state = state;
        return out;
    }

  private:
    void complete_plan_tasks(const RuleContext& c, const nlohmann::json& state, Decision& out,
                             const std::string& key, const std::string& why) const {
        const auto& e = c.event.entity;
        std::vector<std::string> titles;
        for (const auto& t : state["titles"])
            titles.push_back(t.get<std::string>());
        for (const auto& task : c.world.open_tasks_bound_to("L_" + e.id))
            if (task.open() && std::any_of(titles.begin(), titles.end(),
                                           [&](const auto& t) { return task.titled(t); }))
                out.actions.push_back(
                    make_action("task.complete", e, {{"task_id", task.id}}, key + task.id, why));
    }

    void finish(const RuleContext& c, nlohmann::json& state, Decision& out,
                bool complete_tasks) const {
        const auto& e = c.event.entity;
        if (complete_tasks)
            complete_plan_tasks(c, state, out, "reached:",
                                "Клиент на связи: задача плана дозвона больше не нужна (R2).");
        out.timers.push_back(cancel_timer(e, std::string(r2_purpose)));
        state["done"] = true;
        out.state = state;
    }

    DialPlanSpec spec_;
    std::string title_, description_;
};

}  // namespace

DialPlanSpec read_dial_plan(ParamReader& p) {
    DialPlanSpec spec;
    spec.per_day = p.int_list("attempts_per_day", {3, 1, 1});
    spec.min_gap = std::chrono::minutes{p.integer("min_gap_minutes", 60, 0, 24 * 60)};
    spec.first_within = std::chrono::minutes{p.integer("first_call_hours", 6, 1, 72) * 60};
    return spec;
}

std::unique_ptr<Rule> make_r2_dial_plan(ParamReader& p) {
    return std::make_unique<R2DialPlan>(p);
}

}  // namespace reglament::rules::calls
