// What the deal end-to-end tests (deal_rules_e2e_test.cpp, deal_closing_e2e_test.cpp) do to the
// emulated portal and read back from it: deals created, moved and edited as a manager would, and
// the comments, tasks and notifications the daemon leaves.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/iso_time.hpp"
#include "tests/e2e/portal_fixture.hpp"

// Their own namespace: a helper in reglament::test would be found by argument-dependent lookup
// (Portal is there) beside another test file's helper of the same name.
namespace reglament::test::deals {

inline const std::vector<std::string> d_rules = {"D1", "D2", "D3", "D4", "D5", "D6", "D7"};

// The example config ships the D rules live; a test that put one in dry-run switches it back.
inline std::pair<std::string, std::string> live(const std::string& rule) {
    return {"\\[rules\\." + rule + "\\]\nenabled = true\ndry_run = (true|false)",
            "[rules." + rule + "]\nenabled = true\ndry_run = false"};
}

inline std::pair<std::string, std::string> disabled(const std::string& rule) {
    return {"\\[rules\\." + rule + "\\]\nenabled = true", "[rules." + rule + "]\nenabled = false"};
}

// `rule` journals instead of writing (every rule ships live).
inline std::pair<std::string, std::string> dry_run(const std::string& rule) {
    return {"\\[rules\\." + rule + "\\]\nenabled = true(\ndry_run = (true|false))?",
            "[rules." + rule + "]\nenabled = true\ndry_run = true"};
}

// The D rules named live; the other D rules in dry-run, so a test of one part of the pipeline
// sees only what that part writes.
inline PortalOptions deal_options(const std::vector<std::string>& rules = d_rules) {
    PortalOptions o;
    for (const auto& r : d_rules) {
        bool named = std::find(rules.begin(), rules.end(), r) != rules.end();
        o.config_edits.push_back(named ? live(r) : dry_run(r));
    }
    return o;
}

// Every field D3 asks for, measurement on `date`.
inline json full_fields(const std::string& date) {
    return {{"UF_CRM_ADDR_CITY", "Москва"},  {"UF_CRM_ADDR_STREET", "ул. Ленина"},
            {"UF_CRM_ADDR_HOUSE", "5"},      {"UF_CRM_ADDR_FLAT", "12"},
            {"UF_CRM_ADDR_ENTRANCE", "1"},   {"UF_CRM_ADDR_FLOOR", "3"},
            {"UF_CRM_ADDR_INTERCOM", "12К"}, {"UF_CRM_MEASURE_DATE", date},
            {"UF_CRM_VIDEO_ALLOWED", "Y"},   {"UF_CRM_PRECALC_SUM", 85000}};
}

// A manager creates a deal through the portal (ONCRMDEALADD reaches the daemon).
inline long long new_deal(Portal& p, const std::string& stage, json fields,
                          const std::string& title = "Замер: ул. Ленина, 5", long long user = 11) {
    fields["TITLE"] = title;
    fields["CATEGORY_ID"] = 0;
    fields["STAGE_ID"] = stage;
    fields["ASSIGNED_BY_ID"] = user;
    auto r = p.http.post(p.emulator_url("/rest/1/demo-secret/crm.deal.add.json"),
                         json{{"fields", fields}}.dump(), "application/json");
    INFO(r.body);
    REQUIRE(r.status == 200);
    json result = json::parse(r.body)["result"];
    return result.is_string() ? std::stoll(result.get<std::string>()) : result.get<long long>();
}

inline json deal(Portal& p, long long id) {
    return p.control("deals/" + std::to_string(id));
}

inline std::string stage(Portal& p, long long id) {
    return deal(p, id).value("STAGE_ID", std::string());
}

inline std::string category(Portal& p, long long id) {
    json c = deal(p, id)["CATEGORY_ID"];
    return c.is_string() ? c.get<std::string>() : c.dump();
}

inline void move(Portal& p, long long id, const std::string& to, long long user = 11) {
    p.control("act/move-stage", {{"entity", "deal"}, {"id", id}, {"stage", to}, {"user_id", user}});
}

inline void edit(Portal& p, long long id, const json& fields, long long user = 11) {
    p.control("act/edit", {{"entity", "deal"}, {"id", id}, {"fields", fields}, {"user_id", user}});
}

// A manager plans the deal's next contact: an open activity (дело) due at `deadline`.
inline void add_todo(Portal& p, long long id, const std::string& deadline) {
    auto r = p.http.post(p.emulator_url("/rest/1/demo-secret/crm.activity.todo.add.json"),
                         json{{"ownerTypeId", 2},
                              {"ownerId", id},
                              {"deadline", deadline},
                              {"title", "Позвонить клиенту"},
                              {"responsibleId", 11}}
                             .dump(),
                         "application/json");
    INFO(r.body);
    REQUIRE(r.status == 200);
}

inline std::vector<std::string> deal_comments(Portal& p, long long id) {
    std::vector<std::string> out;
    json all = p.list("comments");  // a range-for over a temporary's member would dangle
    for (const auto& c : all["timeline"]) {
        auto type = c.value("entity_type", std::string());
        if (c.value("entity_id", 0LL) == id && (type == "deal" || type == "DEAL" || type == "2"))
            out.push_back(c.value("comment", std::string()));
    }
    return out;
}

inline int comments_containing(Portal& p, long long id, const std::string& needle) {
    int n = 0;
    for (const auto& c : deal_comments(p, id))
        if (c.find(needle) != std::string::npos) ++n;
    return n;
}

inline std::string binding(long long deal_id) {
    return "D_" + std::to_string(deal_id);
}

// Tasks bound to a CRM item ("D_7", "L_3") whose title (behind the marker) starts with `prefix`.
inline std::vector<json> tasks_of(Portal& p, const std::string& binding,
                                  const std::string& prefix) {
    std::vector<json> out;
    for (const auto& t : p.list("tasks")) {
        auto title = t.value("title", std::string());
        if (title.rfind("[Регламент] " + prefix, 0) != 0) continue;
        std::string bindings = t.contains("ufCrmTask") ? t["ufCrmTask"].dump() : "";
        if (t.contains("UF_CRM_TASK")) bindings += t["UF_CRM_TASK"].dump();
        if (bindings.find("\"" + binding + "\"") != std::string::npos) out.push_back(t);
    }
    return out;
}

inline std::vector<json> tasks_of(Portal& p, long long deal_id, const std::string& prefix) {
    return tasks_of(p, binding(deal_id), prefix);
}

inline std::string title_of(const json& task) {
    auto t = task.value("title", std::string());
    const std::string marker = "[Регламент] ";
    return t.rfind(marker, 0) == 0 ? t.substr(marker.size()) : t;
}

inline std::string text_of(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

// D4's activities.
inline const std::string reminder_title = "Связаться с клиентом и подтвердить дату замера";
inline const std::string repeat_reminder_title =
    "Связаться с клиентом и подтвердить дату повторного замера";

// The deal's activities (дела) whose subject is the marker and `title`, oldest first.
inline std::vector<json> activities(Portal& p, long long deal_id, const std::string& title) {
    std::vector<json> out;
    json all = p.list("activities");
    for (const auto& a : all)
        if (text_of(a.value("OWNER_TYPE_ID", json())) == "2" &&
            text_of(a.value("OWNER_ID", json())) == std::to_string(deal_id) &&
            a.value("SUBJECT", std::string()) == "[Регламент] " + title)
            out.push_back(a);
    return out;
}

// Moves both clocks to a moment of business time ("2026-03-04T10:15:00+03:00").
inline void move_clocks_to(Portal& p, const std::string& when) {
    auto now = reglament::parse_iso8601(p.control("clock")["now"].get<std::string>());
    auto to = reglament::parse_iso8601(when);
    REQUIRE(now);
    REQUIRE(to);
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*to - *now).count();
    REQUIRE(seconds >= 0);
    if (seconds > 0) p.advance(static_cast<int>(seconds));
}

// The same, then lets whatever fell due be done.
inline void advance_to(Portal& p, const std::string& when) {
    move_clocks_to(p, when);
    p.settle();
}

// Leads and calls, for the dial plan (R1–R4): a new number arrives as a lead with a phone.
inline long long new_lead(Portal& p, const std::string& phone, const std::string& title,
                          json fields = json::object()) {
    return p
        .control("act/lead",
                 {{"title", title}, {"name", "Иван"}, {"phone", phone}, {"fields", fields}})["id"]
        .get<long long>();
}

inline long long responsible(Portal& p, long long lead) {
    json v = p.lead(lead)["ASSIGNED_BY_ID"];
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

// The dial plan's call tasks of a lead (R2).
inline std::vector<json> plan_tasks(Portal& p, long long lead) {
    return tasks_of(p, "L_" + std::to_string(lead), "Позвонить клиенту (попытка");
}

// The lead's responsible calls its number (ONVOXIMPLANTCALLEND reaches the daemon); `start`
// back-dates the call.
inline void call(Portal& p, long long lead, bool answered, const std::string& start = "") {
    json body = {{"user_id", responsible(p, lead)},
                 {"lead_id", lead},
                 {"answered", answered},
                 {"duration", answered ? 120 : 0}};
    if (!start.empty()) body["start"] = start;
    p.control("act/call", body);
}

}  // namespace reglament::test::deals
