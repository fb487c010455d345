// A client's call or WhatsApp message reaches the one lead it belongs to (README "Rules", how
// an event reaches them), end to end: the emulated portal sends ONVOXIMPLANTCALLEND as the
// documents show it (CRM_ACTIVITY_ID, no CRM entity) and the daemon finds the lead through
// the portal. A client with two leads is one client: one callback task, one template, one
// notice.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/e2e/portal_fixture.hpp"

namespace call_routing_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

const std::string kMarker = "[Регламент] ";
const std::string kCallback = "Перезвонить клиенту (пропущенный звонок)";

long long to_id(const json& v) {
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

long long new_lead(Portal& p, const std::string& phone, const std::string& title) {
    return to_id(
        p.control("act/lead", {{"title", title}, {"name", "Иван"}, {"phone", phone}})["id"]);
}

long long assigned(Portal& p, long long lead) {
    return to_id(p.lead(lead)["ASSIGNED_BY_ID"]);
}

// The daemon's tasks titled so, by the lead they are bound to ("L_<id>").
std::vector<std::string> task_bindings(Portal& p, const std::string& title) {
    std::vector<std::string> out;
    for (const auto& t : p.list("tasks"))
        if (t.value("title", std::string()) == kMarker + title)
            out.push_back(t.value("ufCrmTask", json::array()).dump());
    return out;
}

std::vector<std::string> notes_with(Portal& p, const std::string& needle) {
    std::vector<std::string> out;
    for (const auto& n : p.list("notifications"))
        if (n.value("message", std::string()).find(needle) != std::string::npos)
            out.push_back(n.value("message", std::string()));
    return out;
}

int sent_to(Portal& p, const std::string& chat) {
    int n = 0;
    for (const auto& m : p.list("wazzup/sent"))
        if (m.value("chatId", std::string()) == chat) ++n;
    return n;
}

std::string all_of(const std::vector<std::string>& texts) {
    std::string out;
    for (const auto& t : texts)
        out += t + "\n---\n";
    return out;
}

}  // namespace

TEST_CASE("e2e: a client with two leads calls, is called and writes: everything happens once",
          "[e2e][calls][H6][L5][H5]") {
    Portal p;  // Monday 2 March, 09:00
    long long older = new_lead(p, "+7 912 840-00-01", "Заявка с сайта: окна");
    p.settle();
    long long newer = new_lead(p, "8 (912) 840-00-01", "Повторная заявка: окна");
    p.settle();
    const std::string chat = "79128400001";

    // The client calls and nobody answers: the portal binds the call to one of its leads.
    p.control("act/incoming-call",
              {{"phone", "+79128400001"}, {"user_id", assigned(p, newer)}, {"answered", false}});
    p.settle();
    auto callbacks = task_bindings(p, kCallback);
    INFO(all_of(callbacks));
    CHECK(callbacks.size() == 1);

    // The older lead's manager calls twice without reaching the client: «Недозвон» goes once.
    long long who = assigned(p, older);
    for (int i = 0; i < 2; ++i) {
        p.control("act/call",
                  {{"user_id", who}, {"lead_id", older}, {"answered", false}, {"duration", 0}});
        p.advance(60);
    }
    p.settle();
    CHECK(sent_to(p, chat) == 1);

    // The client writes; nobody answers for five minutes: one notice, for one lead.
    p.control("act/whatsapp", {{"phone", chat}, {"text", "Здравствуйте, вы звонили?"}});
    p.settle();
    p.advance(6 * 60);
    p.settle();
    auto waits = notes_with(p, "ждёт ответа в WhatsApp");
    INFO(all_of(waits));
    CHECK(waits.size() == 1);
    CHECK(task_bindings(p, kCallback).size() == 1);
    CHECK(sent_to(p, chat) == 1);
}

TEST_CASE("e2e: a call the event names only by its activity lands on that activity's lead",
          "[e2e][calls][H6]") {
    Portal p;
    long long older = new_lead(p, "+7 912 840-00-02", "Заявка с сайта: балкон");
    p.settle();
    long long newer = new_lead(p, "+7 912 840-00-02", "Повторная заявка: балкон");
    p.settle();
    // The missed call belongs to the older lead (its activity is the older lead's), although
    // by the number alone the newer lead would be chosen.
    auto made =
        p.control("act/incoming-call",
                  {{"lead_id", older}, {"user_id", assigned(p, older)}, {"answered", false}});
    REQUIRE(to_id(made["activity_id"]) > 0);
    p.settle();
    auto callbacks = task_bindings(p, kCallback);
    INFO(all_of(callbacks));
    REQUIRE(callbacks.size() == 1);
    CHECK(callbacks[0] == json::array({"L_" + std::to_string(older)}).dump());
    (void)newer;
}

}  // namespace call_routing_e2e_test
