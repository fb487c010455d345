// Issue 6's promises under stress, with real processes: nothing acknowledged is lost and
// nothing is done twice across SIGKILLs, an outage of the portal is waited out, and bad input
// is refused without hurting good senders.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "tests/e2e/portal_fixture.hpp"

namespace reliability_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

constexpr const char* kDialTask = "[Регламент] Позвонить клиенту (попытка 1 из";

// Per lead: how many first dial-plan tasks (R2) the portal holds. Exactly-once means 1 each.
std::map<std::string, int> dial_tasks_per_lead(Portal& p) {
    std::map<std::string, int> out;
    for (const auto& t : p.list("tasks")) {
        if (t.value("title", std::string()).rfind(kDialTask, 0) != 0) continue;
        for (const auto& b : t.value("ufCrmTask", json::array()))
            ++out[b.get<std::string>()];
    }
    return out;
}

long long assigned(const json& lead) {
    const json& v = lead["ASSIGNED_BY_ID"];
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

int lead_updates(Portal& p) {
    return p.control("rest-calls?limit=1")["counts"].value("crm.lead.update", 0);
}

const std::string kNedozvon =
    "Здравствуйте! Не удалось до вас дозвониться. Когда вам удобно поговорить?";

// What the emulated Wazzup took for one chat: texts, or "waba:<id>" for a template.
std::map<std::string, std::vector<std::string>> sent_by_chat(Portal& p) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& m : p.list("wazzup/sent")) {
        std::string tpl = m.value("templateId", std::string());
        out[m.value("chatId", std::string())].push_back(tpl.empty() ? m.value("text", std::string())
                                                                    : "waba:" + tpl);
    }
    return out;
}

// L4's three notices (a late first call, the head's report, the hand-over) about a lead.
int l4_notices_about(Portal& p, const std::string& title) {
    int n = 0;
    for (const auto& x : p.list("notifications")) {
        std::string text = x.value("message", std::string());
        if (text.find("«" + title + "»") == std::string::npos) continue;
        if (text.find("ждёт первого звонка") != std::string::npos ||
            text.find("не взят в работу") != std::string::npos ||
            text.find("Вам передан лид") != std::string::npos)
            ++n;
    }
    return n;
}

struct CalledLead {
    long long id;
    std::string title, chat;
    long long manager;
};

// Leads assigned by L1, then each called twice without an answer by its manager.
std::vector<CalledLead> new_assigned_leads(Portal& p, int count, int phone_block) {
    std::vector<CalledLead> out;
    for (int i = 0; i < count; ++i) {
        char phone[64], chat[64];
        std::snprintf(phone, sizeof phone, "+7 (916) %03d-%02d-%02d", phone_block, i / 100,
                      i % 100);
        std::snprintf(chat, sizeof chat, "7916%03d%02d%02d", phone_block, i / 100, i % 100);
        std::string title = "Недозвон " + std::to_string(phone_block) + "-" + std::to_string(i);
        long long id =
            p.control("act/lead", {{"title", title}, {"name", "Иван"}, {"phone", phone}})["id"]
                .get<long long>();
        out.push_back({id, title, chat, 0});
    }
    p.settle();
    for (auto& l : out)
        l.manager = assigned(p.lead(l.id));
    return out;
}

void call_twice_unanswered(Portal& p, const CalledLead& l) {
    for (int i = 0; i < 2; ++i)
        p.control(
            "act/call",
            {{"user_id", l.manager}, {"lead_id", l.id}, {"answered", false}, {"duration", 0}});
}

// Once everything is in and both L4 limits (5 and 10 working minutes) have passed: L5 did its
// work exactly once per lead, and L4 judged nobody who called.
void check_l5_once(Portal& p, const std::vector<CalledLead>& leads) {
    p.settle(std::chrono::seconds(120));
    for (int minute = 0; minute < 15; ++minute)
        p.advance(60);
    p.settle(std::chrono::seconds(120));
    INFO(p.journal({"--rule", "L4"}));
    auto sent = sent_by_chat(p);
    int wrong_sends = 0, not_taken = 0, moved = 0, notices = 0;
    for (const auto& l : leads) {
        if (sent[l.chat] != std::vector<std::string>{kNedozvon}) ++wrong_sends;
        json lead = p.lead(l.id);
        if (lead.value("STATUS_ID", std::string()) != "IN_PROCESS") ++not_taken;
        if (assigned(lead) != l.manager) ++moved;
        notices += l4_notices_about(p, l.title);
    }
    CHECK(wrong_sends == 0);
    CHECK(not_taken == 0);
    CHECK(moved == 0);
    CHECK(notices == 0);
}

}  // namespace

TEST_CASE("e2e: SIGKILL at five random moments loses no event and repeats no action",
          "[e2e][reliability][crash]") {
    PortalOptions o;
    o.poll_interval_seconds = 1;  // events sent while the daemon is down come back by polling
    Portal p(o);
    constexpr int kLeads = 600;  // each lead is ~5 events: ADD, echoes, tasks, lookups
    std::mt19937 random(20260302);
    std::set<int> kill_at;
    while (kill_at.size() < 5)
        kill_at.insert(std::uniform_int_distribution<int>(20, kLeads - 20)(random));

    std::vector<long long> ids;
    for (int i = 0; i < kLeads; ++i) {
        char phone[32];
        std::snprintf(phone, sizeof phone, "+7 (913) %03d-%02d-%02d", i / 100, (i / 10) % 10,
                      i % 10);
        ids.push_back(p.control("act/lead",
                                {{"title", "Заявка " + std::to_string(i)}, {"phone", phone}})["id"]
                          .get<long long>());
        if (kill_at.count(i)) {
            p.kill_daemon();
            p.start_daemon();
        }
    }
    p.settle(std::chrono::seconds(180));

    // Every lead was seen and handled exactly once: assigned to a manager, one dial task.
    auto tasks = dial_tasks_per_lead(p);
    int missing = 0, doubled = 0;
    for (long long id : ids) {
        int n = tasks["L_" + std::to_string(id)];
        if (n == 0) ++missing;
        if (n > 1) ++doubled;
        long long who = assigned(p.lead(id));
        CHECK((who >= 10 && who <= 15));
    }
    CHECK(missing == 0);
    CHECK(doubled == 0);
    // L1 wrote each lead's responsible; an update cut off by a kill is simply repeated (it sets
    // the same value), so at most the updates in flight at the five kills come twice.
    CHECK(lead_updates(p) >= kLeads);
    CHECK(lead_updates(p) <= kLeads + 5 * 50);
}

TEST_CASE("e2e: a portal answering 500 for ten minutes is waited out — nothing is lost",
          "[e2e][reliability][outage]") {
    Portal p;
    p.settle();
    p.control("faults", {{"method", "*"}, {"kind", "500"}});
    std::vector<long long> ids;
    for (int i = 0; i < 20; ++i)
        ids.push_back(
            p.control("act/lead", {{"title", "Во время сбоя " + std::to_string(i)},
                                   {"phone", "+7 914 000-00-" + std::to_string(10 + i)}})["id"]
                .get<long long>());
    // Ten minutes of clock time with the portal down: events wait in the inbox.
    for (int minute = 0; minute < 10; ++minute) {
        p.advance(60);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto metrics = p.http.get(p.admin_url("/metrics")).body;
    CHECK(metrics.find("reglament_queue_depth{queue=\"inbox\"} 0\n") == std::string::npos);
    p.control_delete("faults");
    p.settle();
    auto tasks = dial_tasks_per_lead(p);
    for (long long id : ids) {
        long long who = assigned(p.lead(id));
        CHECK((who >= 10 && who <= 15));
        CHECK(tasks["L_" + std::to_string(id)] == 1);
    }
}

TEST_CASE(
    "e2e: SIGKILL while unanswered first calls come in — «Недозвон» once per client, "
    "every lead taken in work, no L4 notice",
    "[e2e][reliability][crash][L5]") {
    PortalOptions o;
    o.poll_interval_seconds = 1;
    Portal p(o);
    auto leads = new_assigned_leads(p, 60, 101);
    std::mt19937 random(20261207);
    std::set<int> kill_at;
    while (kill_at.size() < 3)
        kill_at.insert(std::uniform_int_distribution<int>(5, 55)(random));
    for (int i = 0; i < static_cast<int>(leads.size()); ++i) {
        call_twice_unanswered(p, leads[i]);
        if (kill_at.count(i)) {
            p.kill_daemon();
            p.start_daemon();
        }
    }
    check_l5_once(p, leads);
}

TEST_CASE(
    "e2e: unanswered first calls during a ten-minute outage — «Недозвон» once per client "
    "after it, no L4 notice",
    "[e2e][reliability][outage][L5]") {
    Portal p;
    auto leads = new_assigned_leads(p, 30, 102);
    p.control("faults", {{"method", "*"}, {"kind", "500"}});
    for (const auto& l : leads)
        call_twice_unanswered(p, l);
    for (int minute = 0; minute < 10; ++minute) {
        p.advance(60);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    p.control_delete("faults");
    check_l5_once(p, leads);
}

TEST_CASE("e2e: garbage, truncated bodies and idle connections do not hurt good senders",
          "[e2e][reliability][input]") {
    Portal p;
    p.settle();
    auto post = [&](const std::string& body) {
        return p.http.post(p.hooks_url("/hooks/bitrix"), body, "application/x-www-form-urlencoded")
            .status;
    };
    CHECK(post("\x01\x02garbage%%%") == 400);
    CHECK(post("event=ONCRMLEADADD&data%5BFIELDS%5D%5BI") == 400);
    CHECK(post(std::string(300 * 1024, 'a')) == 413);
    CHECK(p.http.post(p.hooks_url("/hooks/wazzup/wrong-secret"), "{}", "application/json").status ==
          404);
    CHECK(
        p.http.post(p.hooks_url("/hooks/wazzup/demo-wazzup-hook"), "{not json", "application/json")
            .status == 400);

    // Connections opened and left idle (a slow-loris): each holds a descriptor, none blocks.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    int wanted = static_cast<int>(std::min<rlim_t>(10000, limit.rlim_cur - 200));
    std::vector<int> idle;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(p.listen);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < wanted; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) break;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            break;
        }
        idle.push_back(fd);
    }
    INFO("idle connections opened: " << idle.size());
    CHECK(idle.size() >= 1000);

    // A good sender still gets through, and the lead it announces is handled.
    long long id = p.control("act/lead", {{"title", "Пока висят соединения"},
                                          {"phone", "+7 915 123-45-67"}})["id"]
                       .get<long long>();
    CHECK(eventually([&] {
        long long who = assigned(p.lead(id));
        return who >= 10 && who <= 15;
    }));
    for (int fd : idle)
        ::close(fd);
    CHECK(p.http.get(p.admin_url("/healthz")).status == 200);
}

}  // namespace reliability_e2e_test
