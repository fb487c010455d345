// Scenario files: the portal's people, directories and starting records (README.md
// "Scenario format"). Loading replaces the portal's data and emits no events.
#include <random>

#include "emulator/emulator.hpp"
#include "emulator/values.hpp"

namespace reglament::emulator {

namespace {

Instant instant(const json& b, const char* k, Instant fallback, int offset) {
    auto s = text_field(b, k);
    if (s.empty()) return fallback;
    auto t = parse_instant(s, offset);
    if (!t) throw std::invalid_argument(std::string("scenario: ") + k + " is not a date: " + s);
    return *t;
}

Status status_of(const json& s, const std::string& entity, Id category) {
    Status st;
    st.entity_id = entity;
    st.status_id = text_field(s, "status_id", text_field(s, "id"));
    // Stage ids of non-default funnels carry the "C<id>:" prefix (bitrix24.md §6).
    std::string prefix = "C" + std::to_string(category) + ":";
    if (category != 0 && st.status_id.rfind(prefix, 0) != 0) st.status_id = prefix + st.status_id;
    st.name = text_field(s, "name", st.status_id);
    st.sort = static_cast<int>(int_field(s, "sort", 10));
    st.category_id = category;
    std::string sem = text_field(s, "semantics", "P");
    st.semantics = sem.empty() ? 'P' : sem[0];
    st.color =
        text_field(s, "color",
                   st.semantics == 'S' ? "#7BD500" : (st.semantics == 'F' ? "#FF5752" : "#39A8EF"));
    return st;
}

}  // namespace

void Emulator::load_scenario(const json& sc) {
    if (!sc.is_object()) throw std::invalid_argument("scenario must be a JSON object");
    Instant now = clock.now();
    if (sc.contains("now")) {
        clock.set(
            instant(sc, "now", now, static_cast<int>(int_field(sc, "utc_offset_minutes", 180))),
            sc.value("freeze_clock", true));
        now = clock.now();
    }
    portal = Portal();
    portal.utc_offset_minutes = static_cast<int>(int_field(sc, "utc_offset_minutes", 180));
    if (sc.contains("domain")) portal.domain = text_field(sc, "domain");
    int off = portal.utc_offset_minutes;
    for (const auto& d : sc.value("departments", json::array()))
        portal.departments.push_back({int_field(d, "id"), text_field(d, "name"),
                                      int_field(d, "parent"), int_field(d, "head")});
    for (const auto& u : sc.value("users", json::array())) {
        User user;
        user.id = int_field(u, "id");
        user.name = text_field(u, "name");
        user.last_name = text_field(u, "last_name");
        user.email = text_field(u, "email");
        user.position = text_field(u, "position");
        user.active = u.value("active", true);
        user.departments = u.value("departments", std::vector<Id>{});
        user.timeman_status = text_field(u, "timeman", "OPENED");
        for (const auto& a : u.value("absences", json::array()))
            user.absences.push_back({instant(a, "from", now, off), instant(a, "to", now, off),
                                     text_field(a, "reason")});
        portal.users.push_back(std::move(user));
    }
    for (const auto& s : sc.value("lead_statuses", json::array()))
        portal.add_status(status_of(s, "STATUS", 0));
    if (sc.contains("deal_categories")) portal.deal_categories.clear();
    for (const auto& c : sc.value("deal_categories", json::array())) {
        Id id = int_field(c, "id");
        portal.deal_categories.push_back(
            {id, text_field(c, "name"), static_cast<int>(int_field(c, "sort", 100)), id == 0});
        for (const auto& s : c.value("stages", json::array()))
            portal.add_status(status_of(s, stage_entity(id), id));
    }
    for (const auto& f : sc.value("user_fields", json::array()))
        portal.user_fields.push_back({text_field(f, "entity", "CRM_LEAD"), text_field(f, "name"),
                                      text_field(f, "type", "string"),
                                      text_field(f, "label", text_field(f, "name"))});
    for (const auto& l : sc.value("leads", json::array())) {
        Instant created = instant(l, "DATE_CREATE", now, off);
        portal.add_lead(l, int_field(l, "CREATED_BY_ID", int_field(l, "ASSIGNED_BY_ID", 1)),
                        created);
    }
    for (const auto& d : sc.value("deals", json::array()))
        portal.add_deal(d, int_field(d, "ASSIGNED_BY_ID", 1), instant(d, "DATE_CREATE", now, off));
    for (const auto& t : sc.value("tasks", json::array()))
        portal.add_task(t, int_field(t, "CREATED_BY", 1), instant(t, "CREATED_DATE", now, off));
    for (const auto& a : sc.value("activities", json::array()))
        portal.add_activity(a, int_field(a, "RESPONSIBLE_ID", 1), instant(a, "CREATED", now, off));
    if (sc.contains("wazzup")) {
        const json& w = sc["wazzup"];
        if (w.contains("api_key")) wazzup.api_key = text_field(w, "api_key");
        if (w.contains("channels")) {
            wazzup.channels.clear();
            for (const auto& c : w["channels"])
                wazzup.channels.push_back(
                    {text_field(c, "channelId"), text_field(c, "transport", "whatsapp"),
                     text_field(c, "plainId"), text_field(c, "state", "active"),
                     text_field(c, "name")});
        }
        for (const auto& n : w.value("no_whatsapp", json::array()))
            wazzup.no_whatsapp.insert(n.get<std::string>());
    }
    portal.pending_events.clear();  // a scenario is the starting state, not a change
}

void Emulator::generate_leads(std::int64_t count, Instant now) {
    std::mt19937_64 rng(count);
    std::vector<std::string> statuses;
    for (const auto& s : portal.statuses)
        if (s.entity_id == "STATUS") statuses.push_back(s.status_id);
    if (statuses.empty()) statuses.push_back("NEW");
    std::vector<Id> users;
    for (const auto& u : portal.users)
        users.push_back(u.id);
    if (users.empty()) users.push_back(1);
    portal.leads.reserve(portal.leads.size() + static_cast<std::size_t>(count));
    Id next = portal.leads.empty() ? 1 : portal.leads.back().id + 1;
    Id mf = 1000000000;
    for (std::int64_t i = 0; i < count; ++i) {
        Lead l;
        l.id = next++;
        l.title = "Лид #" + std::to_string(l.id);
        l.status_id = statuses[rng() % statuses.size()];
        l.assigned_by = l.created_by = l.modify_by = users[rng() % users.size()];
        l.date_create = l.date_modify = l.moved_time =
            now - std::chrono::minutes(static_cast<int>(rng() % 100000));
        l.fm.push_back({++mf, 'P', "MOBILE", "+79" + std::to_string(100000000 + l.id % 900000000)});
        portal.leads.push_back(std::move(l));
    }
}

}  // namespace reglament::emulator
