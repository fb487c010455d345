// Drives one Rule the way the engine will: keeps its state per state entity and its timers, and
// fires due timers in time order with the entity as it stands. No clock is read: every step gets
// an explicit TimePoint.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "rules/calendar.hpp"
#include "rules/iso_time.hpp"
#include "rules/lead/common.hpp"
#include "rules/params.hpp"
#include "rules/registry.hpp"
#include "rules/rule.hpp"

namespace reglament::rules::testing {

// "2026-04-10T17:58" in Moscow time.
inline TimePoint msk(const std::string& local) {
    auto t = parse_iso8601(local + ":00+03:00");
    if (!t) throw std::invalid_argument("bad test time " + local);
    return *t;
}

class FakeWorld final : public World {
  public:
    std::map<std::string, std::vector<Task>> tasks;           // by binding
    std::map<std::string, std::vector<Activity>> activities;  // by owner key
    std::set<std::string> absent;
    std::map<std::string, Lead> leads;            // by id
    std::map<std::string, Footprint> footprints;  // by entity key: what the daemon wrote

    std::vector<Task> open_tasks_bound_to(const std::string& binding) const override {
        auto it = tasks.find(binding);
        std::vector<Task> out;
        if (it != tasks.end())
            for (const auto& t : it->second)
                if (t.open()) out.push_back(t);
        return out;
    }
    std::vector<Activity> open_activities_of(const EntityRef& owner) const override {
        auto it = activities.find(owner.key());
        return it == activities.end() ? std::vector<Activity>{} : it->second;
    }
    std::vector<std::string> leads_with_phone(const std::string&) const override { return {}; }
    std::optional<Lead> lead(const std::string& id) const override {
        auto it = leads.find(id);
        if (it == leads.end()) return std::nullopt;
        return it->second;
    }
    Footprint footprint(const EntityRef& e) const override {
        auto it = footprints.find(e.key());
        return it == footprints.end() ? Footprint{} : it->second;
    }
    std::optional<Deal> deal(const std::string&) const override { return std::nullopt; }
    bool is_present(const std::string& user_id, TimePoint) const override {
        return !absent.count(user_id);
    }
};

inline Staff six_managers() {
    Staff s;
    for (int i = 1; i <= 6; ++i)
        s.managers.push_back(
            {"m" + std::to_string(i), std::to_string(10 + i), "Менеджер " + std::to_string(i)});
    s.heads.push_back({"rop", "1", "Руководитель КЦ"});
    return s;
}

struct Harness {
    Calendar calendar{russian_calendar_2026()};
    Staff staff = six_managers();
    FakeWorld world;
    std::unique_ptr<Rule> rule;
    std::map<std::string, nlohmann::json> states;                       // by state entity key
    std::map<std::pair<std::string, std::string>, TimerChange> timers;  // (entity, purpose)
    std::map<std::string, Entity> entities;  // current snapshot by entity key

    explicit Harness(std::string_view id, nlohmann::json params = nlohmann::json::object())
        : rule(make_rule(id, params)) {}

    const nlohmann::json& state_of(const std::string& key) {
        static const nlohmann::json null;
        auto it = states.find(key);
        return it == states.end() ? null : it->second;
    }

    Decision run(const Event& event, const Entity& before, const Entity& after, TimePoint now) {
        if (!rule->interested(event)) {
            if (!std::holds_alternative<std::monostate>(after))
                entities[event.entity.key()] = after;
            return {};
        }
        std::string skey = rule->state_entity(event).key();
        nlohmann::json state = state_of(skey);
        RuleContext c{event, before, after, state, now, calendar, staff, world};
        Decision d = rule->decide(c);
        // What the outbox relies on: every action names its entity, has a key for
        // exactly-once delivery and a reason for the journal.
        for (const auto& a : d.actions) {
            CHECK(a.entity == event.entity);
            CHECK_FALSE(a.key.empty());
            CHECK_FALSE(a.reason.empty());
        }
        if (d.state) {
            if (d.state->is_null())
                states.erase(skey);
            else
                states[skey] = *d.state;
        }
        for (const auto& t : d.timers) {
            auto k = std::make_pair(t.entity.key(), t.purpose);
            if (t.due)
                timers[k] = t;
            else
                timers.erase(k);
        }
        if (!std::holds_alternative<std::monostate>(after)) entities[event.entity.key()] = after;
        return d;
    }

    // An entity change: before is the last snapshot, after the new one.
    Decision change(EventKind kind, const EntityRef& e, const Entity& after, TimePoint now,
                    std::string name = "") {
        Entity before = entities.count(e.key()) ? entities[e.key()] : Entity{};
        Event ev;
        ev.kind = kind;
        ev.name = std::move(name);
        ev.entity = e;
        ev.at = now;
        return run(ev, before, after, now);
    }

    // The echo of the daemon's own write: the engine tells the rules it is no person's act.
    Decision own_change(const EntityRef& e, const Entity& after, TimePoint now) {
        Entity before = entities.count(e.key()) ? entities[e.key()] : Entity{};
        Event ev;
        ev.kind = EventKind::updated;
        ev.entity = e;
        ev.at = now;
        ev.by_daemon = true;
        return run(ev, before, after, now);
    }

    Decision send(Event ev, TimePoint now) {
        Entity current = entities.count(ev.entity.key()) ? entities[ev.entity.key()] : Entity{};
        ev.at = now;
        return run(ev, current, current, now);
    }

    std::optional<TimePoint> due(const std::string& entity, const std::string& purpose) const {
        auto it = timers.find({entity, purpose});
        if (it == timers.end()) return std::nullopt;
        return it->second.due;
    }

    // Fires every timer due at or before `until`, earliest first; returns all their actions
    // with the time each fired.
    std::vector<std::pair<TimePoint, Action>> advance(TimePoint until) {
        std::vector<std::pair<TimePoint, Action>> out;
        for (;;) {
            auto next = timers.end();
            for (auto it = timers.begin(); it != timers.end(); ++it)
                if (*it->second.due <= until &&
                    (next == timers.end() || *it->second.due < *next->second.due))
                    next = it;
            if (next == timers.end()) return out;
            TimerChange t = next->second;
            timers.erase(next);
            Event ev;
            ev.kind = EventKind::timer;
            ev.name = "timer";
            ev.entity = t.entity;
            ev.timer_purpose = t.purpose;
            ev.timer_payload = t.payload;
            TimePoint when = *t.due;
            Decision d = send(ev, when);
            for (auto& a : d.actions)
                out.emplace_back(when, a);
        }
    }
};

inline std::vector<Action> of_kind(const std::vector<Action>& actions, const std::string& kind) {
    std::vector<Action> out;
    for (const auto& a : actions)
        if (a.kind == kind) out.push_back(a);
    return out;
}

inline std::vector<Action> only_actions(const std::vector<std::pair<TimePoint, Action>>& fired) {
    std::vector<Action> out;
    for (const auto& [t, a] : fired)
        out.push_back(a);
    return out;
}

inline Lead make_lead(const std::string& id, const std::string& status, const std::string& who,
                      TimePoint created) {
    Lead l;
    l.id = id;
    l.title = "Заявка " + id;
    l.status_id = status;
    l.status_semantic = "P";
    l.assigned_by_id = who;
    l.phones = {"+7 (912) 345-67-" + std::string(id.size() == 1 ? "0" : "") + id};
    l.created = created;
    return l;
}

inline Call call(int type, bool answered, const std::string& phone = "+79123456701") {
    Call c;
    c.call_id = "c";
    c.type = type;
    c.phone = phone;
    c.portal_user_id = "11";
    c.failed_code = answered ? "200" : "304";
    c.duration_seconds = answered ? 60 : 0;
    return c;
}

}  // namespace reglament::rules::testing
