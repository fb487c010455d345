#include "rules/cadence/cadence.hpp"

#include <algorithm>

#include "rules/iso_time.hpp"
#include "rules/phone.hpp"

namespace reglament::rules {

using nlohmann::json;
using namespace std::chrono;

bool CadenceStep::skipped() const {
    return call_task.empty() && status_id.empty() && (!template_name || template_name->empty());
}

namespace {

// Order of a step within its day: "start" first, "end" last.
minutes order_in_day(const CadenceStep& s) {
    if (s.at == CadenceStep::At::start) return minutes(-1);
    if (s.at == CadenceStep::At::end) return minutes(24 * 60 + 1);
    return s.time;
}

CadenceStep read_step(Params& p, const json& j, const std::string& path) {
    CadenceStep s;
    if (!j.is_object()) {
        p.error_at(path, "expected a table");
        return s;
    }
    for (const auto& [key, value] : j.items()) {
        std::string at = path + "." + key;
        if (key == "day") {
            if (!value.is_number_integer() || value.get<long long>() < 0 ||
                value.get<long long>() > 366)
                p.error_at(at, "expected an integer, 0 or more");
            else
                s.day = value.get<int>();
        } else if (key == "at") {
            std::string text = value.is_string() ? value.get<std::string>() : "";
            if (text == "start") {
                s.at = CadenceStep::At::start;
            } else if (text == "end") {
                s.at = CadenceStep::At::end;
            } else {
                try {
                    s.time = parse_hh_mm(text);
                } catch (const std::invalid_argument&) {
                    p.error_at(at, "expected \"HH:MM\", \"start\" or \"end\"");
                }
            }
        } else if (key == "template" || key == "call_task" || key == "status_id" ||
                   key == "reason") {
            if (!value.is_string()) {
                p.error_at(at, "expected a string");
                continue;
            }
            std::string text = value.get<std::string>();
            if (key == "template") s.template_name = text;
            if (key == "call_task") s.call_task = text;
            if (key == "status_id") s.status_id = text;
            if (key == "reason") s.reason = text;
        } else {
            p.error_at(at, "unknown step key (day, at, template, call_task, status_id, reason)");
        }
    }
    if (!j.contains("day")) p.error_at(path + ".day", "missing");
    if (!j.contains("at")) p.error_at(path + ".at", "missing");
    if (s.at == CadenceStep::At::start && s.day != 0)
        p.error_at(path + ".at", "\"start\" is only for day 0");
    if (s.template_name && s.template_name->empty())
        p.warn_at(path + ".template",
                  "empty template slot: this step sends nothing until the text is written");
    return s;
}

}  // namespace

Cadence Cadence::read(Params& p, const json& fallback, std::vector<std::string> stop_status_ids,
                      std::string stop_field) {
    Cadence c;
    const json* raw = p.raw("steps");
    const json& steps = raw ? *raw : fallback;
    p.record("steps", steps);
    if (!steps.is_array() || steps.empty()) {
        p.error("steps", "expected a non-empty array of step tables");
    } else {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            std::string path = p.path("steps") + "[" + std::to_string(i) + "]";
            c.steps.push_back(read_step(p, steps[i], path));
            if (i > 0) {
                const auto& a = c.steps[i - 1];
                const auto& b = c.steps[i];
                if (b.day < a.day || (b.day == a.day && order_in_day(b) < order_in_day(a)))
                    p.error_at(path, "steps must be in time order");
            }
        }
    }
    c.stops.status_ids = p.text_list("stop_status_ids", std::move(stop_status_ids));
    c.stops.field = p.text("stop_field", stop_field);
    c.reason_field = p.text("reason_field", "");
    return c;
}

bool Cadence::active(const json& state) const {
    return state.is_object() && state.value("active", false);
}

TimePoint Cadence::due(const CadenceStep& step, TimePoint started, const Calendar& cal) const {
    // Day 0 is the working day the cadence started on (or the next one, when it started after
    // hours); "day N" is the N-th working day after it.
    auto day0 = cal.local_day(cal.next_working_moment(started));
    auto day = step.day == 0 ? day0 : cal.next_working_day(day0, step.day);
    TimePoint day_start = cal.start_of_working_day(cal.from_local(LocalTime(day)));
    switch (step.at) {
        case CadenceStep::At::start:
            return started;
        case CadenceStep::At::end:
            return cal.end_of_working_day(day_start);
        case CadenceStep::At::clock:
            break;
    }
    return cal.from_local(LocalTime(day) + step.time);
}

void Cadence::arm_next(Decision& d, const RuleContext& c, json& state, std::size_t from) const {
    const EntityRef& e = c.event.entity;
    auto started = parse_iso8601(state.value("started", ""));
    std::size_t i = from;
    while (i < steps.size() && steps[i].skipped()) {
        d.actions.push_back(make_action(
            "journal.note", e, {{"text", "step " + std::to_string(i + 1) + " skipped"}},
            "run" + std::to_string(state.value("run", 1)) + ":step" + std::to_string(i) + ":skip",
            "the step's template slot is empty in config"));
        ++i;
    }
    state["next"] = i;
    if (i >= steps.size() || !started) {
        state["active"] = false;
        state["finished"] = "completed";
        d.timers.push_back(cancel(e, "step"));
        return;
    }
    TimePoint when = std::max(due(steps[i], *started, c.calendar), c.now);
    d.timers.push_back(arm(e, "step", when, {{"index", i}}));
}

void Cadence::start(Decision& d, const RuleContext& c, const Lead&, TimePoint at) const {
    json state{{"active", true},
               {"run", (c.state.is_object() ? c.state.value("run", 0) : 0) + 1},
               {"started", iso(at)}};
    arm_next(d, c, state, 0);
    d.state = state;
}

std::optional<std::string> Cadence::stop_reason(const RuleContext& c) const {
    const Event& ev = c.event;
    if (ev.kind == EventKind::chat_message && ev.message && ev.message->inbound)
        return "the client wrote on WhatsApp";
    if (ev.kind == EventKind::call_ended && ev.call && ev.call->answered())
        return ev.call->outgoing() ? "the client answered a call"
                                   : "the client called and was answered";
    const Lead* after = std::get_if<Lead>(&c.after);
    const Lead* before = std::get_if<Lead>(&c.before);
    if (!after) return std::nullopt;
    if (contains(stops.status_ids, after->status_id) &&
        (!before || before->status_id != after->status_id))
        return "the lead reached status " + after->status_id;
    if (lead_closed(*after) && (!before || !lead_closed(*before)))
        return "the lead was closed (" + after->status_id + ")";
    if (!stops.field.empty() && before) {
        auto value = [&](const Lead& l) {
            auto it = l.fields.find(stops.field);
            return it == l.fields.end() ? json() : *it;
        };
        json a = value(*after);
        bool set = !a.is_null() && !(a.is_string() && a.get<std::string>().empty());
        if (set && a != value(*before)) return "the lead's " + stops.field + " was set";
    }
    return std::nullopt;
}

void Cadence::stop(Decision& d, const RuleContext& c, const std::string& reason) const {
    json state = c.state;
    state["active"] = false;
    state["finished"] = reason;
    d.state = state;
    d.timers.push_back(cancel(c.event.entity, "step"));
    d.actions.push_back(
        make_action("journal.note", c.event.entity, {{"text", "cadence stopped: " + reason}},
                    "run" + std::to_string(state.value("run", 1)) + ":stop", reason));
}

void Cadence::on_timer(Decision& d, const RuleContext& c, const Lead& lead) const {
    json state = c.state;
    std::size_t index = c.event.timer_payload.value("index", std::size_t{0});
    if (index != state.value("next", std::size_t{0}) || index >= steps.size()) return;
    const CadenceStep& step = steps[index];
    const EntityRef& e = c.event.entity;
    std::string key =
        "run" + std::to_string(state.value("run", 1)) + ":step" + std::to_string(index) + ":";
    std::string why = "cadence step " + std::to_string(index + 1) + " (working day " +
                      std::to_string(step.day) + ") with no contact from the client";
    if (step.template_name && !step.template_name->empty()) {
        std::string phone = lead.phones.empty() ? "" : normalise_phone(lead.phones.front());
        if (!phone.empty())
            d.actions.push_back(
                make_action("wazzup.send", e,
                            {{"phone", phone},
                             {"template", *step.template_name},
                             {"values", message_values(lead, c.staff, c.calendar, stops.field)}},
                            key + "send", why));
    }
    if (!step.call_task.empty())
        d.actions.push_back(
            make_action("task.add", e,
                        {{"title", step.call_task},
                         {"description", fill(call_task_description, lead_values(lead, c.staff))},
                         {"responsible_id", lead.assigned_by_id},
                         {"deadline", iso(c.calendar.end_of_working_day(c.now))},
                         {"priority", 1},
                         {"bindings", {crm_binding(e)}}},
                        key + "call_task", why));
    if (!step.status_id.empty()) {
        StatusMove move{step.status_id, step.reason, reason_field, close_comment};
        for (auto& a : move.actions(lead, c.staff, key + "close", why))
            d.actions.push_back(a);
    }
    arm_next(d, c, state, index + 1);
    if (!state.value("active", false))
        d.actions.push_back(make_action("journal.note", e, {{"text", "cadence completed"}},
                                        key + "completed", "every step of the cadence was done"));
    d.state = state;
}

}  // namespace reglament::rules
