// A fake World, the Russian 2026 calendar and a way to run one rule on one event, shared by the
// D*/R* rule tests.
#pragma once

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rules/deal/common.hpp"
#include "rules/deal/factory.hpp"
#include "rules/iso_time.hpp"
#include "rules/rule.hpp"

namespace dealtest {

using namespace reglament;
using namespace reglament::rules;
using reglament::rules::deal::day_text;

inline const Calendar& moscow() {
    static const Calendar cal(russian_calendar_2026());
    return cal;
}

// "2026-03-06 17:55" as Moscow local time.
inline TimePoint at(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0;
    REQUIRE(std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi) == 5);
    return moscow().from_local(date::local_days{date::year{y} / mo / d} + std::chrono::hours{h} +
                               std::chrono::minutes{mi});
}

inline std::string show(TimePoint t) {
    return date::format("%F %R", date::floor<std::chrono::minutes>(moscow().to_local(t)));
}

struct FakeWorld final : World {
    std::vector<Task> tasks;
    std::vector<Activity> activities;
    std::vector<StageHistoryEntry> history;
    std::vector<TimelineComment> comments;
    std::vector<Call> calls;
    std::vector<Task> open_tasks_bound_to(const std::string&) const override { return tasks; }
    std::vector<Activity> open_activities_of(const EntityRef&) const override { return activities; }
    std::vector<std::string> leads_with_phone(const std::string&) const override { return {}; }
    std::optional<Lead> lead(const std::string&) const override { return std::nullopt; }
    std::optional<Deal> deal(const std::string&) const override { return std::nullopt; }
    bool is_present(const std::string&, TimePoint) const override { return true; }
    std::vector<StageHistoryEntry> stage_history(const std::string&) const override {
        return history;
    }
    std::vector<TimelineComment> timeline_comments(const EntityRef&) const override {
        return comments;
    }
    std::vector<Call> calls_of(const EntityRef&) const override { return calls; }
    Footprint own;  // what the daemon wrote to the entity
    Footprint footprint(const EntityRef&) const override { return own; }
    std::optional<ClientAccountingRecord> accounting;
    std::optional<ClientAccountingRecord> client_accounting(const std::string&) const override {
        return accounting;
    }
};

inline Staff staff() {
    Staff s;
    s.managers = {{"ivanova", "10", "Иванова"}, {"petrov", "11", "Петров"}};
    s.heads = {{"rop", "1", "РОП"}};
    return s;
}

struct Run {
    std::unique_ptr<Rule> rule;
    FakeWorld world;
    Staff people = staff();
    nlohmann::json state;

    explicit Run(std::string_view id, const nlohmann::json& params = nlohmann::json::object())
        : rule(deal::make_deal_or_call_rule(id, params)) {
        REQUIRE(rule);
    }

    // Runs the rule if it is interested; keeps the state it returns, as the engine does.
    Decision operator()(const Event& event, const Entity& before, const Entity& after,
                        TimePoint now) {
        if (!rule->interested(event)) return {};
        RuleContext c{event, before, after, state, now, moscow(), people, world};
        auto d = rule->decide(c);
        if (d.state) state = *d.state;
        return d;
    }
};

inline Event event(EventKind kind, const std::string& entity, TimePoint when) {
    Event e;
    e.kind = kind;
    e.entity = EntityRef::parse(entity);
    e.at = when;
    return e;
}

inline Event timer(const std::string& entity, const TimerChange& armed) {
    Event e = event(EventKind::timer, entity, *armed.due);
    e.timer_purpose = armed.purpose;
    e.timer_payload = armed.payload;
    return e;
}

inline std::vector<std::string> kinds(const Decision& d) {
    std::vector<std::string> out;
    for (const auto& a : d.actions)
        out.push_back(a.kind);
    return out;
}

inline const Action* find(const Decision& d, const std::string& kind) {
    for (const auto& a : d.actions)
        if (a.kind == kind) return &a;
    return nullptr;
}

inline void every_action_explained(const Decision& d) {
    std::set<std::string> keys;
    for (const auto& a : d.actions) {
        CHECK_FALSE(a.key.empty());
        // The engine makes "<rule>:<entity>:<key>" the idempotency key: a repeat is dropped.
        CHECK(keys.insert(a.key).second);
        CHECK_FALSE(a.reason.empty());
        CHECK_FALSE(a.entity.id.empty());
    }
}

// A deal with every D3 field filled, in the sales pipeline.
inline Deal full_deal(const std::string& stage, const std::string& measure_date) {
    Deal d;
    d.id = "7";
    d.title = "Окна на Ленина";
    d.stage_id = stage;
    d.stage_semantic = "P";
    d.assigned_by_id = "10";
    d.fields = {{"UF_CRM_ADDR_CITY", "Москва"}, {"UF_CRM_ADDR_STREET", "Ленина"},
                {"UF_CRM_ADDR_HOUSE", "1"},     {"UF_CRM_ADDR_FLAT", "5"},
                {"UF_CRM_ADDR_ENTRANCE", "2"},  {"UF_CRM_ADDR_FLOOR", "3"},
                {"UF_CRM_ADDR_INTERCOM", "5К"}, {"UF_CRM_MEASURE_DATE", measure_date},
                {"UF_CRM_VIDEO_ALLOWED", "N"},  {"UF_CRM_PRECALC_SUM", 115973.0}};
    return d;
}

}  // namespace dealtest
