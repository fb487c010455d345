// The deal pipeline (D1–D7) and the dial plan (R1/R2) end to end: the emulated portal and the
// daemon as processes, the shipped example config (the D rules live, as shipped), both clocks
// moved together. What is asserted is what the call centre sees: the deal's
// stage and pipeline, the comments, the notifications, the tasks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/deal_fixture.hpp"

namespace deal_rules_e2e_test {

using namespace reglament::test;
using namespace reglament::test::deals;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// D1

TEST_CASE(
    "e2e: a deal moved back from Предзамер to Просчёт is put back, with a comment and "
    "notifications",
    "[e2e][deal][D1]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    REQUIRE(stage(p, id) == "UC_PREMEASURE");

    p.advance(3600);
    move(p, id, "NEW");  // Просчёт
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(comments_containing(p, id, "невозвратные") == 1);
    CHECK(notifications(p, 11, "возвращена из невозвратной стадии в «Просчёт»").size() == 1);
    CHECK(notifications(p, 20, "возвращена из невозвратной стадии в «Просчёт»").size() == 1);
    // The restore's own echo is not a move back: nothing more happens.
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(comments_containing(p, id, "невозвратные") == 1);
}

TEST_CASE("e2e: a move Замер → Перенос is undone — a move forward is left alone",
          "[e2e][deal][D1]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-04"));
    p.settle();
    move(p, id, "PREPARATION");  // Перенос
    p.settle();
    CHECK(stage(p, id) == "UC_MEASURE");
    // Texts name the stage, never its id (issue 18).
    CHECK(notifications(p, 11, "в «Перенос»").size() == 1);
    CHECK(notifications(p, 11, "«PREPARATION»").empty());

    move(p, id, "UC_PRECONTRACT");  // forward: the regulation has nothing to say
    p.settle();
    CHECK(stage(p, id) == "UC_PRECONTRACT");
    CHECK(comments_containing(p, id, "невозвратные") == 1);
}

TEST_CASE("e2e: a move back whose event the portal dropped is undone within one poll interval",
          "[e2e][deal][D1][poller]") {
    PortalOptions o = deal_options();
    o.poll_interval_seconds = 1;
    Portal p(o);
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    REQUIRE(stage(p, id) == "UC_PREMEASURE");

    p.control("config", {{"event_drop_share", 1.0}});
    p.advance(600);
    move(p, id, "NEW");
    CHECK(eventually([&] { return stage(p, id) == "UC_PREMEASURE"; }, std::chrono::seconds(10)));
    CHECK(eventually([&] { return comments_containing(p, id, "невозвратные") == 1; }));
    CHECK(eventually([&] { return notifications(p, 20, "невозвратной стадии").size() == 1; }));
}

TEST_CASE("e2e: a move there and back while the daemon was down is undone from the stage history",
          "[e2e][deal][D1][poller][restart]") {
    PortalOptions o = deal_options();
    o.poll_interval_seconds = 1;
    Portal p(o);
    long long id = new_deal(p, "NEW", full_fields("2026-03-12"));  // Просчёт
    p.settle();
    REQUIRE(stage(p, id) == "NEW");

    // Down while the deal goes to Предзамер and back: its snapshot only ever saw Просчёт. The
    // portal's clock alone moves; the daemon is not there to be told.
    p.kill_daemon();
    p.control("clock", {{"advance_s", 600}});
    move(p, id, "UC_PREMEASURE");
    p.control("clock", {{"advance_s", 600}});
    move(p, id, "NEW");
    REQUIRE(stage(p, id) == "NEW");

    p.start_daemon();
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(comments_containing(p, id, "невозвратные") == 1);
    CHECK(notifications(p, 20, "невозвратной стадии").size() == 1);
    CHECK(rest_count(p, "crm.stagehistory.list") >= 1);
}

// ---------------------------------------------------------------------------------------------
// D2 / D3

TEST_CASE("e2e: entering Замер with the measurement 10 days out is corrected to Предзамер",
          "[e2e][deal][D2]") {
    Portal p(deal_options());
    long long id = new_deal(p, "NEW", full_fields("2026-03-12"));
    p.settle();
    move(p, id, "UC_MEASURE");
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(comments_containing(p, id, "Стадия выбрана по дате замера (12.03.2026): 10 дн.") == 1);
}

TEST_CASE("e2e: entering Предзамер with the measurement in 2 days is corrected to Замер",
          "[e2e][deal][D2]") {
    Portal p(deal_options());
    long long id = new_deal(p, "NEW", full_fields("2026-03-04"));
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    // Предзамер → Замер is forward: D1 has nothing against it.
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(comments_containing(p, id, "Стадия выбрана по дате замера (04.03.2026): 2 дн.") == 1);
}

TEST_CASE("e2e: the right stage for the date is left alone", "[e2e][deal][D2]") {
    Portal p(deal_options());
    long long a = new_deal(p, "NEW", full_fields("2026-03-05"));  // 3 days: Замер
    long long b = new_deal(p, "NEW", full_fields("2026-03-06"));  // 4 days: Предзамер
    p.settle();
    move(p, a, "UC_MEASURE");
    move(p, b, "UC_PREMEASURE");
    p.settle();
    CHECK(stage(p, a) == "UC_MEASURE");
    CHECK(stage(p, b) == "UC_PREMEASURE");
    CHECK(comments_containing(p, a, "Стадия выбрана") == 0);
    CHECK(comments_containing(p, b, "Стадия выбрана") == 0);
}

TEST_CASE(
    "e2e: entering Предзамер without the required fields: stage restored, one task lists "
    "exactly what is missing",
    "[e2e][deal][D3]") {
    Portal p(deal_options());
    json fields = full_fields("2026-03-12");
    fields.erase("UF_CRM_ADDR_ENTRANCE");
    fields.erase("UF_CRM_ADDR_INTERCOM");
    fields.erase("UF_CRM_PRECALC_SUM");
    long long id = new_deal(p, "NEW", fields);
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    CHECK(stage(p, id) == "NEW");
    auto tasks = tasks_of(p, binding(id), "Заполнить поля");
    REQUIRE(tasks.size() == 1);
    CHECK(title_of(tasks[0]) ==
          "Заполнить поля: Подъезд, Домофон, Сумма предварительного просчёта");
    CHECK(tasks[0].value("responsibleId", json()).dump().find("11") != std::string::npos);
    // D3's restore is the regulation working, not a move back D1 would undo.
    CHECK(comments_containing(p, id, "невозвратные") == 0);

    // Filled in, the deal enters.
    edit(p, id,
         {{"UF_CRM_ADDR_ENTRANCE", "2"},
          {"UF_CRM_ADDR_INTERCOM", "7"},
          {"UF_CRM_PRECALC_SUM", 90000}});
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(tasks_of(p, binding(id), "Заполнить поля").size() == 1);
}

TEST_CASE("e2e: entering Замер with no fields at all lists every one of them", "[e2e][deal][D3]") {
    Portal p(deal_options());
    long long id = new_deal(p, "NEW", json::object());
    p.settle();
    move(p, id, "UC_MEASURE");
    p.settle();
    CHECK(stage(p, id) == "NEW");
    auto tasks = tasks_of(p, binding(id), "Заполнить поля");
    REQUIRE(tasks.size() == 1);
    CHECK(title_of(tasks[0]) ==
          "Заполнить поля: Город, Улица, Дом, Квартира, Подъезд, Этаж, Домофон, Предполагаемая "
          "дата замера, Видеосъёмка разрешена, Сумма предварительного просчёта");
}

TEST_CASE("e2e: «Видеосъёмка разрешена» answered «no» counts as answered", "[e2e][deal][D3]") {
    Portal p(deal_options());
    json fields = full_fields("2026-03-12");
    fields["UF_CRM_VIDEO_ALLOWED"] = "N";
    long long id = new_deal(p, "NEW", fields);
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(tasks_of(p, binding(id), "Заполнить поля").empty());
}

// ---------------------------------------------------------------------------------------------
// D7 (through D2)

TEST_CASE(
    "e2e: a measurement 40 days out moves the deal to «Отложенный спрос», stage of that "
    "month",
    "[e2e][deal][D7][D2]") {
    Portal p(deal_options());
    long long id = new_deal(p, "NEW", full_fields("2026-04-11"));  // 02.03 + 40 days
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    CHECK(category(p, id) == "1");
    CHECK(stage(p, id) == "C1:APRIL");
    CHECK(rest_count(p, "crm.item.update") >= 1);
    CHECK(comments_containing(p, id, "Стадия выбрана по дате замера (11.04.2026): 40 дн.") == 1);
    // D7 on arrival: no activity with the next contact yet → the manager is asked for one; D2's
    // own comment is no reason for the deferral → the manager is asked for that too.
    CHECK(tasks_of(p, binding(id), "Создать дело с датой следующего контакта").size() == 1);
    CHECK(tasks_of(p, binding(id),
                   "Создать закреплённый комментарий: причина переноса в отложенный спрос")
              .size() == 1);
    // The move across pipelines is not a move back for D1.
    CHECK(comments_containing(p, id, "невозвратные") == 0);
}

namespace {

// A deal entering Предзамер with the measurement on 11.04, 40 days out: D2 defers it, and it
// lands in «Отложенный спрос», April.
long long deferred_to_april(Portal& p) {
    long long id = new_deal(p, "NEW", full_fields("2026-04-11"));
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    REQUIRE(stage(p, id) == "C1:APRIL");
    return id;
}

}  // namespace

TEST_CASE("e2e: a deferred deal's stage follows the month of its next contact", "[e2e][deal][D7]") {
    Portal p(deal_options());
    long long id = deferred_to_april(p);
    // The manager plans the next contact for 20.05 (79 days out): the stage becomes May.
    add_todo(p, id, "2026-05-20T10:00:00+03:00");
    p.settle();
    // The deal's next event or the next sweep sees the activity.
    edit(p, id, {{"UF_CRM_MEASURE_DATE", "2026-05-20"}});
    p.settle();
    p.advance(3600);
    p.settle();
    CHECK(stage(p, id) == "C1:MAY");
    CHECK(category(p, id) == "1");
}

// Complied with (the next contact planned 49 days out, the reason in a comment), a deferred deal
// is left alone until that contact comes nearer than 32 days: then it goes back to sales, in
// Перенос, with a task naming the date.
TEST_CASE("e2e: a deferred deal goes back to sales when its next contact is nearer than 32 days",
          "[e2e][deal][D7]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long id = deferred_to_april(p);
    add_todo(p, id, "2026-04-20T10:00:00+03:00");
    p.control("act/comment", {{"entity", "deal"},
                              {"id", id},
                              {"text", "Клиент вернулся с дачи в конце апреля"},
                              {"user_id", 11}});
    p.settle();
    const auto asked = tasks_of(p, id, "").size();  // on arrival: the activity and the comment
    advance_to(p, "2026-03-18T17:00:00+03:00");     // sweeps every 5 minutes until then
    CHECK(tasks_of(p, id, "").size() == asked);
    CHECK(stage(p, id) == "C1:APRIL");

    advance_to(p, "2026-03-19T09:01:00+03:00");  // 20.04 − 32 days
    CHECK(category(p, id) == "0");
    CHECK(stage(p, id) == "PREPARATION");
    CHECK(tasks_of(p, id, "Сделка возвращена из отложенного спроса: следующий контакт 20.04.2026")
              .size() == 1);
    // Back in sales by the regulation: not a move back for D1, not a stage for D2 to correct.
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "PREPARATION");
    CHECK(comments_containing(p, id, "невозвратные") == 0);
}

// ---------------------------------------------------------------------------------------------
// R1 / R2: the dial plan across a weekend and a holiday. A number arriving on Friday 06.03.2026
// 15:00 has its plan days on Friday, Tuesday 10.03 (Saturday, Sunday and the holiday of
// Monday 09.03 are skipped) and Wednesday 11.03.

namespace {

bool is_open(const json& task) {
    return task.value("status", json()).dump().find('5') == std::string::npos;
}

}  // namespace

TEST_CASE("e2e: the dial plan's call tasks come when due, across a weekend and a holiday",
          "[e2e][deal][R2][R1]") {
    PortalOptions o;
    o.start = "2026-03-06T15:00:00+03:00";  // Friday
    Portal p(o);
    long long id = new_lead(p, "+7 912 555-10-01", "Окна: план дозвона");
    new_lead(p, "+7 912 555-10-02", "Окна: никто не звонит");
    p.settle();
    auto tasks = plan_tasks(p, id);
    REQUIRE(tasks.size() == 1);
    CHECK(title_of(tasks[0]) == "Позвонить клиенту (попытка 1 из 5)");

    p.advance(10 * 60);  // 15:10
    call(p, id, false);
    p.settle();
    CHECK(plan_tasks(p, id).size() == 1);  // the next is due an hour after this call
    p.advance(60 * 60);                    // 16:10
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 2);
    CHECK(title_of(plan_tasks(p, id)[1]) == "Позвонить клиенту (попытка 2 из 5)");
    p.advance(5 * 60);  // 16:15
    call(p, id, false);
    p.advance(60 * 60);  // 17:15
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 3);
    p.advance(5 * 60);  // 17:20: the third call of day 1
    call(p, id, false);
    p.settle();

    // Saturday, Sunday and the holiday of Monday 09.03: nothing is due.
    p.advance((2 * 24 + 19) * 3600 - 20 * 60);  // Monday 09.03 12:00
    p.settle();
    CHECK(plan_tasks(p, id).size() == 3);
    // R1: 6 working hours from Friday 15:00 end on Tuesday 12:00, not during the holiday.
    CHECK(notifications(p, 20, "не было ни одного звонка").empty());

    p.advance(21 * 3600);  // Tuesday 10.03 09:00: day 2 of the plan
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 4);
    CHECK(title_of(plan_tasks(p, id)[3]) == "Позвонить клиенту (попытка 4 из 5)");

    p.advance(3 * 3600 + 60);  // 12:01
    p.settle();
    CHECK(notifications(p, 20, "«Окна: никто не звонит»: за 6 рабочих часов").size() == 1);
    CHECK(notifications(p, 20, "«Окна: план дозвона»: за 6 рабочих часов").empty());
}

// R1's notice reaches the lead's current responsible, even when L4 reassigned the lead in the
// same engine step; every open plan task is completed when the client answers.
TEST_CASE("e2e: the dial plan stops when the client answers — R1 tells the responsible",
          "[e2e][deal][R2][R1]") {
    PortalOptions o;
    o.start = "2026-03-06T15:00:00+03:00";  // Friday
    Portal p(o);
    long long id = new_lead(p, "+7 912 555-10-01", "Окна: план дозвона");
    long long silent = new_lead(p, "+7 912 555-10-02", "Окна: никто не звонит");
    p.settle();
    auto tasks = plan_tasks(p, id);
    REQUIRE(tasks.size() == 1);
    CHECK(title_of(tasks[0]) == "Позвонить клиенту (попытка 1 из 5)");

    p.advance(10 * 60);  // 15:10
    call(p, id, false);
    p.settle();
    CHECK(plan_tasks(p, id).size() == 1);  // the next is due an hour after this call
    p.advance(60 * 60);                    // 16:10
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 2);
    CHECK(title_of(plan_tasks(p, id)[1]) == "Позвонить клиенту (попытка 2 из 5)");
    p.advance(5 * 60);  // 16:15
    call(p, id, false);
    p.advance(60 * 60);  // 17:15
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 3);
    p.advance(5 * 60);  // 17:20: the third call of day 1
    call(p, id, false);
    p.settle();

    // Saturday, Sunday and the holiday of Monday 09.03: nothing is due.
    p.advance((2 * 24 + 19) * 3600 - 20 * 60);  // Monday 09.03 12:00
    p.settle();
    CHECK(plan_tasks(p, id).size() == 3);
    // R1: 6 working hours from Friday 15:00 end on Tuesday 12:00, not during the holiday.
    CHECK(notifications(p, 20, "не было ни одного звонка").empty());

    p.advance(21 * 3600);  // Tuesday 10.03 09:00: day 2 of the plan
    p.settle();
    REQUIRE(plan_tasks(p, id).size() == 4);
    CHECK(title_of(plan_tasks(p, id)[3]) == "Позвонить клиенту (попытка 4 из 5)");

    p.advance(3 * 3600 + 60);  // 12:01
    p.settle();
    CHECK(notifications(p, 20, "«Окна: никто не звонит»: за 6 рабочих часов").size() == 1);
    CHECK(notifications(p, responsible(p, silent), "«Окна: никто не звонит»: за 6 рабочих часов")
              .size() == 1);
    CHECK(notifications(p, 20, "«Окна: план дозвона»: за 6 рабочих часов")
              .empty());  // called in time

    call(p, id, true);  // the client answers: the plan is over
    p.settle();
    INFO(p.journal({"--entity", "lead:" + std::to_string(id)}));
    for (const auto& t : plan_tasks(p, id))
        CHECK_FALSE(is_open(t));
    p.advance(24 * 3600);  // Wednesday 11.03 12:01: no fifth attempt
    p.settle();
    CHECK(plan_tasks(p, id).size() == 4);
}

// ---------------------------------------------------------------------------------------------
// R4 / R5: `reglamentd replacement-report` against the portal.

// R3: half an hour of working time after a call, a lead with neither a new status nor a timeline
// comment made after the call is flagged to the manager who called. The comment reaches the
// daemon only as ONCRMTIMELINECOMMENTADD {ID}: it reads the comment to know its lead.
TEST_CASE("e2e R3: a call left without a status or comment is flagged — a commented one is not",
          "[e2e][deal][R3]") {
    Portal p;  // Monday 09:00
    long long bare = new_lead(p, "+7 912 555-30-01", "Окна: без итога");
    long long noted = new_lead(p, "+7 912 555-30-02", "Окна: с комментарием");
    long long moved = new_lead(p, "+7 912 555-30-03", "Окна: со статусом");
    p.settle();
    p.advance(60);                          // 09:01
    std::map<long long, long long> caller;  // L4 hands the untouched lead on at 09:10
    for (long long id : {bare, noted, moved}) {
        caller[id] = responsible(p, id);
        call(p, id, true);
    }
    p.settle();
    p.advance(5 * 60);  // 09:06: results entered within the half hour
    p.control("act/comment", {{"entity", "lead"},
                              {"id", noted},
                              {"text", "нецелевой: ищет работу"},
                              {"user_id", responsible(p, noted)}});
    p.control("act/move-stage", {{"entity", "lead"},
                                 {"id", moved},
                                 {"stage", "IN_PROCESS"},
                                 {"user_id", responsible(p, moved)}});
    p.settle();
    p.advance(20 * 60);  // 09:26: not yet half an hour after the calls ended (09:03)
    p.settle();
    const std::string needle = "не поставлен статус или комментарий";
    for (long long id : {bare, noted, moved})
        CHECK(notifications(p, caller[id], needle).empty());

    p.advance(10 * 60);  // 09:36
    p.settle();
    auto flagged = notifications(p, caller[bare], needle);
    REQUIRE(flagged.size() == 1);
    CHECK(flagged[0].value("message", "").find("+7 912 555-30-01") != std::string::npos);
    for (const auto& n : p.list("notifications")) {
        auto text = n.value("message", std::string());
        CHECK(text.find("555-30-02") == std::string::npos);
        CHECK(text.find("555-30-03") == std::string::npos);
    }
}

// R4 reads the lead's call log from the calls the daemon saw (ONVOXIMPLANTCALLEND): a number
// called by the plan for three working days and never reached goes «На замену» with the reason
// in a comment when the plan's window closes; one whose client answered does not.
TEST_CASE("e2e R4: a number never reached over the whole plan goes «на замену» with the reason",
          "[e2e][deal][R4]") {
    Portal p;  // Monday 02.03 09:00
    long long never = new_lead(p, "+7 912 555-40-01", "Окна: не дозвонились");
    long long reached = new_lead(p, "+7 912 555-40-02", "Окна: дозвонились");
    p.settle();
    // Day 1: 09:10, 10:20, 11:30; day 2: 10:00; day 3: 11:00 — the plan kept to the letter.
    const std::vector<int> minutes = {10, 70, 70, 22 * 60 + 30, 25 * 60};
    for (std::size_t i = 0; i < minutes.size(); ++i) {
        p.advance(minutes[i] * 60);
        call(p, never, false);
        call(p, reached, i == 2);
        p.settle();
    }
    p.advance(8 * 3600);  // Wednesday 19:00: the window of day 3 has closed
    p.settle();
    CHECK(p.lead(never).value("STATUS_ID", "") == "UC_REPLACEMENT");
    CHECK(p.lead(reached).value("STATUS_ID", "") != "UC_REPLACEMENT");
    int with_reason = 0;
    const json comments = p.list("comments");
    for (const auto& c : comments["timeline"]) {
        auto text = c.value("comment", std::string());
        if (text.find("на замену: не дозвонились за 3 рабочих дня, попыток: 5") ==
            std::string::npos)
            continue;
        CHECK(c.value("entity_id", 0LL) == never);
        ++with_reason;
    }
    CHECK(with_reason == 1);
}

TEST_CASE("e2e: replacement-report lists eligible and plan-breaking numbers with evidence",
          "[e2e][deal][R5][cli]") {
    Portal p;  // Monday 02.03.2026 09:00
    long long full = new_lead(p, "+7 912 555-20-01", "Никто не берёт трубку");
    long long broken = new_lead(p, "+7 912 555-20-02", "Два звонка");
    long long said_no =
        new_lead(p, "+7 912 555-20-03", "Ответил нет", {{"UF_CRM_QUALIFIED", "Нет"}});
    long long good = new_lead(p, "+7 912 555-20-04", "Целевой");
    p.settle();
    p.advance(3 * 24 * 3600);  // Thursday 05.03: every window of the period has closed
    p.settle();
    for (const auto* at :
         {"2026-03-02T09:30:00+03:00", "2026-03-02T10:40:00+03:00", "2026-03-02T11:50:00+03:00",
          "2026-03-03T10:00:00+03:00", "2026-03-04T10:00:00+03:00"})
        call(p, full, false, at);
    call(p, broken, false, "2026-03-02T09:20:00+03:00");
    call(p, broken, false, "2026-03-02T09:40:00+03:00");
    call(p, said_no, true, "2026-03-02T09:15:00+03:00");
    call(p, good, true, "2026-03-02T09:25:00+03:00");
    p.settle();

    auto csv = p.dir / "replacement.csv";
    ChildProcess cli(
        {REGLAMENTD_BIN, "replacement-report", "--config", (p.dir / "reglament.toml").string(),
         "--from", "2026-03-02", "--to", "2026-03-02", "--login", "okna-msk", "--script",
         "https://example.ru/script", "--csv", csv.string()},
        p.dir / "report.out");
    REQUIRE(cli.wait_exit(std::chrono::seconds(30)) == 0);
    auto out = cli.output();
    INFO(out);
    CHECK_THAT(out, Catch::Contains("Номеров за период: 4\n"));
    CHECK_THAT(out, Catch::Contains("На замену: 2 (50.0%, предел 30.0%)"));
    CHECK_THAT(out, Catch::Contains("ВНИМАНИЕ: доля замен больше 30.0%"));
    CHECK_THAT(out, Catch::Contains("(лид " + std::to_string(full) +
                                    ", поступил 02.03.2026 09:00): не дозвонились за 3 рабочих "
                                    "дня. Попытки: 02.03.2026 09:30 0 с 486; 02.03.2026 10:40 0 "
                                    "с 486; 02.03.2026 11:50 0 с 486; 03.03.2026 10:00 0 с 486; "
                                    "04.03.2026 10:00 0 с 486"));
    CHECK_THAT(out, Catch::Contains("(лид " + std::to_string(said_no) +
                                    ", поступил 02.03.2026 09:00): ответил «нет» на вопросы "
                                    "скрипта. Попытки: 02.03.2026 09:15 120 с 200"));
    CHECK_THAT(out, Catch::Contains("(лид " + std::to_string(broken) +
                                    "): меньше 5 попыток за 3 рабочих дня: 2"));
    CHECK_THAT(out, Catch::Contains("день 1: 2 из 3 попыток; день 2: 0 из 1 попыток"));
    CHECK(out.find("(лид " + std::to_string(good)) == std::string::npos);
    CHECK_THAT(out, Catch::Contains("Прошу произвести начисление 2 определений на замену.\n"
                                    "Логин клиента okna-msk\n"
                                    "Скрипт - https://example.ru/script"));
    auto rows = read_file(csv.string());
    CHECK(rows.rfind("phone,lead_id,arrived,verdict,basis_or_breaks,attempts\n", 0) == 0);
    CHECK(std::count(rows.begin(), rows.end(), '\n') == 4);  // header, 2 eligible, 1 broken
    CHECK_THAT(rows,
               Catch::Contains("," + std::to_string(broken) + ",02.03.2026 09:00,plan_broken,"));
}

}  // namespace deal_rules_e2e_test
