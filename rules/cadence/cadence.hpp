// A cadence (ОП-2): steps on working days that go on until the client answers. Data, not code:
// [[rules.C1.steps]] tables, each with
//   day        working days after the start day (0 = the start day)
//   at         "HH:MM", "start" (the moment the cadence started; day 0 only) or "end" (the end
//              of that working day)
//   template   a Wazzup template to send; "" = a slot the business has not written yet: the step
//              is skipped and check-config warns
//   call_task  the title of a call task (deadline: the end of that working day)
//   status_id  move the lead to this status …
//   reason     … with this refusal reason (reason_field and close_comment of the rule)
// The step counter is the rule's state; only the next step has a timer ("step", payload
// {"index"}). It stops at once on an inbound chat message, an answered call in either direction,
// a stop status entered or the stop field changed; why it stopped is a journal.note action.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "rules/lead/common.hpp"
#include "rules/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules {

struct CadenceStep {
    int day = 0;
    enum class At { start, clock, end } at = At::clock;
    std::chrono::minutes time{0};  // At::clock
    std::optional<std::string> template_name;
    std::string call_task;
    std::string status_id;
    std::string reason;
    bool skipped() const;  // nothing to do but an empty template slot
};

struct CadenceStops {
    std::vector<std::string> status_ids;  // entering one of these stops the cadence
    std::string field;                    // a change of this lead field stops it ("" = none)
};

class Cadence {
  public:
    std::vector<CadenceStep> steps;
    CadenceStops stops;
    std::string reason_field;
    std::string close_comment;
    std::string call_task_description;

    // Keys steps (default: `fallback`), reason_field, close_comment, stop_status_ids, stop_field.
    static Cadence read(Params& p, const nlohmann::json& fallback,
                        std::vector<std::string> stop_status_ids, std::string stop_field);

    bool active(const nlohmann::json& state) const;
    // State at start: {"active": true, "run": n, "started": iso, "next": i}; arms the first step.
    void start(Decision& d, const RuleContext& c, const Lead& lead, TimePoint at) const;
    // Why a running cadence must stop now, if it must.
    std::optional<std::string> stop_reason(const RuleContext& c) const;
    void stop(Decision& d, const RuleContext& c, const std::string& reason) const;
    // A "step" timer: do the step and arm the next, or finish.
    void on_timer(Decision& d, const RuleContext& c, const Lead& lead) const;

    TimePoint due(const CadenceStep& step, TimePoint started, const Calendar& cal) const;

  private:
    void arm_next(Decision& d, const RuleContext& c, nlohmann::json& state, std::size_t from) const;
};

}  // namespace reglament::rules
