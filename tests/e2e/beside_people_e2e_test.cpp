// Issue 18 §3 and §4 end to end: how reglamentd behaves beside people. The daemon's own writes
// are never a manager's act to judge; the regulations reach only the call centre's leads and
// tasks; a lead that leaves the process leaves every rule, and one that changes hands takes the
// daemon's tasks with it; a lead that arrives out of hours waits for the next working morning.
// The emulated portal and the daemon as processes, the shipped example config, both clocks
// frozen and moved together.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/e2e/deal_fixture.hpp"
#include "tests/e2e/portal_fixture.hpp"

namespace beside_people_e2e_test {

using namespace reglament::test;
using namespace reglament::test::deals;
using nlohmann::json;

namespace {

long long id_of(const json& v) {
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

json task_by_id(Portal& p, long long id) {
    for (const auto& t : p.list("tasks"))
        if (id_of(t["id"]) == id) return t;
    FAIL("no task " << id);
    return {};
}

std::vector<std::string> comments_on_task(Portal& p, long long task) {
    std::vector<std::string> out;
    json all = p.list("comments");
    for (const auto& c : all["tasks"])
        if (id_of(c["task_id"]) == task) out.push_back(c.value("message", std::string()));
    return out;
}

// Every notification to `user`, as text.
std::vector<std::string> notices_to(Portal& p, long long user) {
    std::vector<std::string> out;
    for (const auto& n : p.list("notifications"))
        if (id_of(n["user_id"]) == user) out.push_back(n.value("message", std::string()));
    return out;
}

int notices_with(Portal& p, long long user, const std::string& needle) {
    int n = 0;
    for (const auto& text : notices_to(p, user))
        if (text.find(needle) != std::string::npos) ++n;
    return n;
}

int notices_anywhere(Portal& p, const std::string& needle) {
    int n = 0;
    for (const auto& note : p.list("notifications"))
        if (note.value("message", std::string()).find(needle) != std::string::npos) ++n;
    return n;
}

std::string every_notice(Portal& p) {
    std::string out;
    for (const auto& n : p.list("notifications"))
        out += n["user_id"].dump() + ": " + n.value("message", std::string()) + "\n";
    return out;
}

bool is_manager(long long user) {
    return user >= 10 && user <= 15;
}

}  // namespace

TEST_CASE(
    "e2e beside people: R2 closes its task when the client answers — no H4 notice, "
    "and an attempt made is no overdue task",
    "[e2e][footprints][R2][H4][H2]") {
    Portal p;  // Monday 2 March 09:00
    long long answered = new_lead(p, "+7 912 860-00-01", "Окна: клиент ответил");
    long long missed = new_lead(p, "+7 912 860-00-02", "Окна: клиент не ответил");
    p.settle();
    auto answered_tasks = plan_tasks(p, answered);
    auto missed_tasks = plan_tasks(p, missed);
    REQUIRE(answered_tasks.size() == 1);
    REQUIRE(missed_tasks.size() == 1);
    advance_to(p, "2026-03-02T09:03:00+03:00");
    call(p, answered, true);  // the client answers: R2's plan is over, its task completed
    call(p, missed, false);   // nobody answers: the first attempt is made all the same
    p.settle();
    long long done = id_of(answered_tasks[0]["id"]);
    long long attempt = id_of(missed_tasks[0]["id"]);
    CHECK(task_by_id(p, done)["status"].dump().find('5') != std::string::npos);
    CHECK(task_by_id(p, attempt)["status"].dump().find('5') != std::string::npos);

    // The first attempt's deadline (6 working hours) passes: the manager did call.
    advance_to(p, "2026-03-02T16:00:00+03:00");
    INFO(every_notice(p));
    CHECK(comments_on_task(p, done).empty());
    CHECK(comments_on_task(p, attempt).empty());
    CHECK(notices_anywhere(p, "закрыта без комментария") == 0);
    CHECK(notices_anywhere(p, "(попытка 1 из 5)» просрочена") == 0);
    CHECK(notices_anywhere(p, "(попытка 1 из 5)» (") == 0);  // H2's notice to the head
}

TEST_CASE("e2e beside people: the accountant's own task is none of ОП-15's business",
          "[e2e][footprints][H2][H3][H4]") {
    Portal p;  // Monday 2 March 09:00
    // User 1 is the portal's administrator: no manager of [people], and the task is bound to no
    // lead or deal — the accountant's kind of task.
    auto add = [&](const std::string& title) {
        return id_of(p.control("act/task", {{"fields",
                                             {{"TITLE", title},
                                              {"RESPONSIBLE_ID", 1},
                                              {"DEADLINE", "2026-03-02T10:00:00+03:00"}}}})["id"]);
    };
    long long closed = add("Сверка с банком");
    long long postponed = add("Акт сверки с поставщиком");
    long long overdue = add("Авансовый отчёт");
    p.settle();
    p.control("act/complete-task", {{"task_id", closed}, {"user_id", 1}});
    p.control("act/postpone-task",
              {{"task_id", postponed}, {"deadline", "2026-03-03T10:00:00+03:00"}, {"user_id", 1}});
    p.settle();
    advance_to(p, "2026-03-02T12:00:00+03:00");
    INFO(every_notice(p));
    CHECK(comments_on_task(p, closed).empty());
    CHECK(comments_on_task(p, postponed).empty());
    CHECK(comments_on_task(p, overdue).empty());
    CHECK(notices_to(p, 1).empty());
    CHECK(notices_with(p, 20, "Акт сверки") == 0);
    CHECK(notices_with(p, 20, "Авансовый отчёт") == 0);
    CHECK(task_by_id(p, postponed)["deadline"].get<std::string>().rfind("2026-03-03T10:00", 0) ==
          0);
}

TEST_CASE("e2e beside people: a lead L3 rejects leaves every rule — no R1, R2, H1 or H2 work",
          "[e2e][footprints][L3][R1][R2][H1][H2]") {
    Portal p;  // Monday 2 March 09:00
    long long junk = new_lead(p, "+7 (777) 777-77-77", "Заявка: телефон 000");
    p.settle();
    REQUIRE(p.lead(junk).value("STATUS_ID", std::string()) == "JUNK");
    long long who = responsible(p, junk);
    auto bound = [&] { return tasks_of(p, "L_" + std::to_string(junk), ""); };
    CHECK(bound().empty());  // no dial-plan task seconds after the rejection

    advance_to(p, "2026-03-02T16:00:00+03:00");  // past R1's 6 working hours
    advance_to(p, "2026-03-03T12:00:00+03:00");  // the plan's day 2; sweeps all along
    INFO(every_notice(p));
    CHECK(bound().empty());
    CHECK(notices_with(p, who, "Заявка: телефон 000") == 0);
    CHECK(notices_with(p, 20, "Заявка: телефон 000") == 0);
    CHECK(notices_with(p, 21, "Заявка: телефон 000") == 0);
}

TEST_CASE("e2e beside people: a lead handed on by L4 takes its dial-plan task to the new manager",
          "[e2e][footprints][L4][R2]") {
    Portal p;  // Monday 2 March 09:00
    long long id = new_lead(p, "+7 912 870-00-01", "Окна: никто не взял");
    p.settle();
    long long first = responsible(p, id);
    auto tasks = plan_tasks(p, id);
    REQUIRE(tasks.size() == 1);
    REQUIRE(id_of(tasks[0]["responsibleId"]) == first);

    advance_to(p, "2026-03-02T09:10:00+03:00");  // not taken in 10 minutes: L4 hands it on
    long long next = responsible(p, id);
    REQUIRE(is_manager(next));
    REQUIRE(next != first);
    tasks = plan_tasks(p, id);
    REQUIRE(tasks.size() == 1);
    CHECK(id_of(tasks[0]["responsibleId"]) == next);
}

TEST_CASE(
    "e2e beside people: a lead at Friday 20:00 waits unassigned and is assigned on "
    "Monday 09:00 to a present manager",
    "[e2e][footprints][presence][L1]") {
    PortalOptions o;
    o.start = "2026-03-13T20:00:00+03:00";  // Friday evening; Monday 16 March is a working day
    Portal p(o);
    long long id = new_lead(p, "+7 912 880-00-01", "Заявка в пятницу вечером");
    p.settle();
    CHECK_FALSE(is_manager(responsible(p, id)));
    CHECK(p.lead(id).value("STATUS_ID", std::string()) == "NEW");
    advance_to(p, "2026-03-14T12:00:00+03:00");  // Saturday
    CHECK_FALSE(is_manager(responsible(p, id)));
    advance_to(p, "2026-03-16T08:59:00+03:00");
    CHECK_FALSE(is_manager(responsible(p, id)));
    // Handed out at the opening itself, not at the first sweep after it.
    advance_to(p, "2026-03-16T09:00:00+03:00");
    INFO(p.journal({"--entity", "lead:" + std::to_string(id)}));
    CHECK(is_manager(responsible(p, id)));
}

}  // namespace beside_people_e2e_test
