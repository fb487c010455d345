// The second half of the deal pipeline end to end — D4 (the reminder to confirm the measurement
// date), D5 (the cut-offs of the morning after a measurement), D6 (closing checks) — and the
// replacement report (R4/R5) over 200 numbers. Like deal_rules_e2e_test.cpp: the emulated portal
// and the daemon as processes, the shipped example config (the D rules live, as shipped), both
// clocks moved together. What is asserted is what the call centre sees: the
// deal's stage, its activities, comments, tasks and the notifications.
//
// The calendar is the example config's: Mon–Fri 09:00–18:00 Moscow, Monday 09.03.2026 a holiday.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "tests/e2e/deal_fixture.hpp"

namespace deal_closing_e2e_test {

using namespace reglament::test;
using namespace reglament::test::deals;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// D4: the activity "Связаться с клиентом и подтвердить дату замера" 3 days before the date.

TEST_CASE(
    "e2e: a deal in Предзамер gets the confirmation activity 3 days before the measurement, "
    "on the working day before when that is a holiday",
    "[e2e][deal][D4]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    REQUIRE(stage(p, id) == "UC_PREMEASURE");
    CHECK(activities(p, id, reminder_title).empty());  // not before it is due

    // 12.03 − 3 days is Monday 09.03, a holiday: the reminder comes on Friday 06.03 at 10:00.
    advance_to(p, "2026-03-06T09:59:00+03:00");
    CHECK(activities(p, id, reminder_title).empty());
    advance_to(p, "2026-03-06T10:01:00+03:00");
    auto due = activities(p, id, reminder_title);
    REQUIRE(due.size() == 1);
    CHECK_THAT(due[0].value("DESCRIPTION", std::string()),
               Catch::Contains("Дата замера: 12.03.2026."));
    CHECK_THAT(text_of(due[0]["DEADLINE"]), Catch::StartsWith("2026-03-06"));
    CHECK(text_of(due[0]["RESPONSIBLE_ID"]) == "11");

    // Nothing more for the same date, however much time passes.
    advance_to(p, "2026-03-10T12:00:00+03:00");
    CHECK(activities(p, id, reminder_title).size() == 1);
}

TEST_CASE(
    "e2e: the reminder moves when the measurement date moves, and a new one comes for a date "
    "moved after the first",
    "[e2e][deal][D4]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long early = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: Тверская");
    long long late = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: Арбат");
    p.settle();

    // Tuesday: the first client moves the measurement to Thursday 19.03 before any reminder.
    advance_to(p, "2026-03-03T11:00:00+03:00");
    edit(p, early, {{"UF_CRM_MEASURE_DATE", "2026-03-19"}});
    p.settle();
    REQUIRE(stage(p, early) == "UC_PREMEASURE");  // 16 days out: still Предзамер (D2)

    advance_to(p, "2026-03-06T10:01:00+03:00");
    CHECK(activities(p, early, reminder_title).empty());  // not for the old date
    REQUIRE(activities(p, late, reminder_title).size() == 1);

    // The second client, reminded, moves the measurement to 20.03 (seed, item 7: a new activity).
    edit(p, late, {{"UF_CRM_MEASURE_DATE", "2026-03-20"}});
    p.settle();

    advance_to(p, "2026-03-16T09:59:00+03:00");
    CHECK(activities(p, early, reminder_title).empty());
    CHECK(activities(p, late, reminder_title).size() == 1);

    advance_to(p, "2026-03-16T10:01:00+03:00");  // 19.03 − 3 days
    auto moved = activities(p, early, reminder_title);
    REQUIRE(moved.size() == 1);
    CHECK_THAT(moved[0].value("DESCRIPTION", std::string()),
               Catch::Contains("Дата замера: 19.03.2026."));
    CHECK(activities(p, late, reminder_title).size() == 1);

    advance_to(p, "2026-03-17T10:01:00+03:00");  // 20.03 − 3 days
    auto again = activities(p, late, reminder_title);
    REQUIRE(again.size() == 2);
    CHECK(text_of(again[0].value("COMPLETED", json())) == "Y");  // the one for 12.03 is closed
    CHECK(text_of(again[1].value("COMPLETED", json())) == "N");
    CHECK_THAT(again[1].value("DESCRIPTION", std::string()),
               Catch::Contains("Дата замера: 20.03.2026."));
}

TEST_CASE("e2e: a written reminder is closed when the deal leaves Предзамер", "[e2e][deal][D4]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: Тверская");
    long long kept = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: Арбат");
    p.settle();
    // 12.03 − 3 days is the holiday of 09.03: the reminder comes on Friday 06.03.
    advance_to(p, "2026-03-10T10:01:00+03:00");
    REQUIRE(activities(p, id, reminder_title).size() == 1);
    REQUIRE(activities(p, kept, reminder_title).size() == 1);

    // Tuesday: the client confirmed, the manager moves the deal on to Замер (two days out).
    move(p, id, "UC_MEASURE");
    p.settle();
    auto closed = activities(p, id, reminder_title);
    REQUIRE(closed.size() == 1);
    CHECK(text_of(closed[0].value("COMPLETED", json())) == "Y");
    CHECK(text_of(activities(p, kept, reminder_title)[0].value("COMPLETED", json())) == "N");
}

TEST_CASE("e2e: a deal that left Предзамер before the reminder was due gets none",
          "[e2e][deal][D4]") {
    // D6 stays in dry-run here: the lost deal is not reopened.
    Portal p(deal_options({"D1", "D2", "D3", "D4", "D5"}));
    long long lost = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: отказ");
    long long sooner = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Замер: раньше");
    p.settle();

    advance_to(p, "2026-03-03T11:00:00+03:00");
    move(p, lost, "LOSE");
    // The client asks for Thursday 05.03 instead: two days out, the manager moves it to Замер.
    edit(p, sooner, {{"UF_CRM_MEASURE_DATE", "2026-03-05"}, {"STAGE_ID", "UC_MEASURE"}});
    p.settle();
    REQUIRE(stage(p, lost) == "LOSE");
    REQUIRE(stage(p, sooner) == "UC_MEASURE");

    advance_to(p, "2026-03-06T10:01:00+03:00");
    CHECK(activities(p, lost, reminder_title).empty());
    CHECK(activities(p, sooner, reminder_title).empty());
}

TEST_CASE("e2e: Повторный замер gets the reminder 3 days before the repeat date, due 2 days before",
          "[e2e][deal][D4]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-03"));
    p.settle();
    // The engineer needs a second visit on Friday 13.03.
    advance_to(p, "2026-03-04T10:00:00+03:00");
    edit(p, id, {{"UF_CRM_MEASURE_DATE", "2026-03-13"}, {"STAGE_ID", "UC_REMEASURE"}});
    p.settle();
    REQUIRE(stage(p, id) == "UC_REMEASURE");

    advance_to(p, "2026-03-10T09:59:00+03:00");
    CHECK(activities(p, id, repeat_reminder_title).empty());
    advance_to(p, "2026-03-10T10:01:00+03:00");
    auto due = activities(p, id, repeat_reminder_title);
    REQUIRE(due.size() == 1);
    CHECK_THAT(text_of(due[0]["DEADLINE"]), Catch::StartsWith("2026-03-11"));
    CHECK_THAT(due[0].value("DESCRIPTION", std::string()),
               Catch::Contains("Дата замера: 13.03.2026."));
    CHECK(activities(p, id, reminder_title).empty());
}

// ---------------------------------------------------------------------------------------------
// D5: the morning after the measurement — 10:15 sheets, 10:45 engineer, 11:00 the stage.

namespace {

const std::string engineer_text_start = "до 10:45 получите у инженера результат замера";
const std::string result_text_start = "к 11:00 стадия не отражает результат замера";
const std::string no_sheet_comment =
    "К 10:15 следующего за замером дня нет ни договора, ни "
    "замерных листов: сделка переведена в стадию «Нет "
    "замерного листа».";

}  // namespace

TEST_CASE(
    "e2e: no contract and no measurement sheets by 10:15 of the next day: stage «Нет замерного "
    "листа»",
    "[e2e][deal][D5]") {
    Portal p(deal_options());  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-03"), "Замер во вторник");
    p.settle();
    REQUIRE(stage(p, id) == "UC_MEASURE");

    advance_to(p, "2026-03-04T10:14:00+03:00");
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(comments_containing(p, id, no_sheet_comment) == 0);

    advance_to(p, "2026-03-04T10:16:00+03:00");
    CHECK(stage(p, id) == "UC_NO_SHEET");
    CHECK(comments_containing(p, id, no_sheet_comment) == 1);
    // The stage now shows the result: nobody is chased at 10:45 or 11:00.
    advance_to(p, "2026-03-04T11:01:00+03:00");
    CHECK(notifications(p, 20, result_text_start).empty());
    CHECK(notifications(p, 11, result_text_start).empty());
    CHECK(stage(p, id) == "UC_NO_SHEET");
}

TEST_CASE(
    "e2e: sheets in but the stage unchanged: the responsible is told at 10:45, responsible and "
    "head at 11:00",
    "[e2e][deal][D5]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-03"), "Замер во вторник");
    p.settle();
    advance_to(p, "2026-03-03T17:00:00+03:00");
    edit(p, id, {{"UF_CRM_MEASURE_SHEETS", "Y"}});  // the client sent the sheets
    p.settle();

    advance_to(p, "2026-03-04T10:16:00+03:00");
    CHECK(stage(p, id) == "UC_MEASURE");  // sheets are there: not «Нет замерного листа»
    CHECK(comments_containing(p, id, no_sheet_comment) == 0);
    CHECK(notifications(p, 11, engineer_text_start).empty());

    advance_to(p, "2026-03-04T10:46:00+03:00");
    CHECK(notifications(p, 11,
                        "Сделка «Замер во вторник»: до 10:45 получите у инженера результат "
                        "замера 03.03.2026.")
              .size() == 1);
    CHECK(notifications(p, 20, engineer_text_start).empty());
    CHECK(notifications(p, 20, result_text_start).empty());

    advance_to(p, "2026-03-04T11:01:00+03:00");
    const std::string result =
        "Сделка «Замер во вторник»: к 11:00 стадия не отражает результат замера 03.03.2026.";
    CHECK(notifications(p, 11, result).size() == 1);
    CHECK(notifications(p, 20, result).size() == 1);
    // Once, not on every later look.
    advance_to(p, "2026-03-05T12:00:00+03:00");
    CHECK(notifications(p, 11, result_text_start).size() == 1);
    CHECK(notifications(p, 20, result_text_start).size() == 1);
    CHECK(stage(p, id) == "UC_MEASURE");
}

TEST_CASE("e2e: a result entered before the cut-offs is left alone and nobody is chased",
          "[e2e][deal][D5]") {
    Portal p(deal_options());
    long long after = new_deal(p, "UC_MEASURE", full_fields("2026-03-03"), "Замер: листы есть");
    json won_fields = full_fields("2026-03-03");
    won_fields["OPPORTUNITY"] = 150000;
    long long won = new_deal(p, "UC_MEASURE", won_fields, "Замер: договор");
    p.settle();

    advance_to(p, "2026-03-04T09:30:00+03:00");
    edit(p, after, {{"UF_CRM_MEASURE_SHEETS", "Y"}});
    edit(p, won,
         {{"UF_CRM_CONTRACT_NUMBER", "12455Ш"},
          {"UF_CRM_DISCOUNT", "5"},
          {"UF_CRM_CLIENT_NAME", "Геннадий Петров"}});
    p.settle();
    move(p, after, "UC_AFTER_MEASURE");  // Создано после замера
    move(p, won, "WON");
    p.settle();

    advance_to(p, "2026-03-04T11:01:00+03:00");
    CHECK(stage(p, after) == "UC_AFTER_MEASURE");
    CHECK(stage(p, won) == "WON");
    CHECK(comments_containing(p, after, no_sheet_comment) == 0);
    CHECK(comments_containing(p, won, no_sheet_comment) == 0);
    for (long long user : {11LL, 20LL}) {
        CHECK(notifications(p, user, engineer_text_start).empty());
        CHECK(notifications(p, user, result_text_start).empty());
    }
    CHECK(tasks_of(p, won, "Заполнить раздел «Договор»").empty());
}

TEST_CASE(
    "e2e: after a Friday measurement the cut-offs are on Tuesday (weekend and the 09.03 holiday "
    "skipped)",
    "[e2e][deal][D5]") {
    PortalOptions o = deal_options();
    o.start = "2026-03-05T09:00:00+03:00";  // Thursday
    Portal p(o);
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-06"), "Замер в пятницу");
    p.settle();

    advance_to(p, "2026-03-09T11:01:00+03:00");  // the holiday: nothing is due
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(notifications(p, 11, "Замер в пятницу").empty());

    advance_to(p, "2026-03-10T10:16:00+03:00");
    CHECK(stage(p, id) == "UC_NO_SHEET");
    CHECK(comments_containing(p, id, no_sheet_comment) == 1);
}

// ---------------------------------------------------------------------------------------------
// D6: closing checks.

namespace {

json contract_fields() {
    return {{"OPPORTUNITY", 150000},
            {"UF_CRM_CONTRACT_NUMBER", "12455Ш"},
            {"UF_CRM_DISCOUNT", "5"},
            {"UF_CRM_CLIENT_NAME", "Геннадий Петров"}};
}

}  // namespace

TEST_CASE(
    "e2e: a deal closed as won without the «Договор» section is reopened with a task listing "
    "what is missing",
    "[e2e][deal][D6]") {
    Portal p(deal_options());
    json fields = full_fields("2026-03-03");
    fields["OPPORTUNITY"] = 150000;
    fields["UF_CRM_CONTRACT_NUMBER"] = "12455Ш";
    long long id = new_deal(p, "UC_PRECONTRACT", fields, "Договор без скидки");
    p.settle();

    move(p, id, "WON");
    p.settle();
    CHECK(stage(p, id) == "UC_PRECONTRACT");
    auto tasks = tasks_of(p, id, "Заполнить раздел «Договор»");
    REQUIRE(tasks.size() == 1);
    CHECK(title_of(tasks[0]) == "Заполнить раздел «Договор»: Скидка, ФИО клиента");
    CHECK(tasks[0].value("responsibleId", json()).dump().find("11") != std::string::npos);

    // Filled in, the deal closes.
    p.advance(600);
    edit(p, id, {{"UF_CRM_DISCOUNT", "0"}, {"UF_CRM_CLIENT_NAME", "Геннадий Петров"}});
    p.settle();
    move(p, id, "WON");
    p.settle();
    CHECK(stage(p, id) == "WON");
    CHECK(tasks_of(p, id, "Заполнить раздел «Договор»").size() == 1);
}

TEST_CASE("e2e: a won deal with the whole «Договор» section stays won", "[e2e][deal][D6]") {
    Portal p(deal_options());
    json fields = full_fields("2026-03-03");
    fields.update(contract_fields());
    long long id = new_deal(p, "UC_PRECONTRACT", fields, "Договор полный");
    p.settle();
    move(p, id, "WON");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "WON");
    CHECK(tasks_of(p, id, "Заполнить раздел «Договор»").empty());
}

TEST_CASE(
    "e2e: a deal closed as lost without comment, reason and a consistent «before/after» is "
    "reopened with a task",
    "[e2e][deal][D6]") {
    Portal p(deal_options());
    // After the measurement (Преддоговор), yet marked «before»; no reason, no comment.
    long long measured = new_deal(p, "UC_PRECONTRACT", full_fields("2026-03-03"), "Отказ после");
    // Before the measurement (Предзамер), marked «after», with a reason but no comment.
    long long early = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Отказ до");
    p.settle();
    edit(p, measured, {{"UF_CRM_REFUSAL_MOMENT", "Отказ перед замером"}});
    edit(p, early,
         {{"UF_CRM_REFUSAL_MOMENT", "Отказ после замера"}, {"UF_CRM_REFUSAL_REASON", "дорого"}});
    p.settle();

    move(p, measured, "LOSE");
    move(p, early, "LOSE");
    p.settle();
    CHECK(stage(p, measured) == "UC_PRECONTRACT");
    CHECK(stage(p, early) == "UC_PREMEASURE");
    auto a = tasks_of(p, measured, "Оформить отказ по сделке");
    REQUIRE(a.size() == 1);
    CHECK(title_of(a[0]) ==
          "Оформить отказ по сделке: закреплённый комментарий с причиной отказа, поле «Причина "
          "отказа», «Отказ перед/после замера» не соответствует");
    auto b = tasks_of(p, early, "Оформить отказ по сделке");
    REQUIRE(b.size() == 1);
    CHECK(title_of(b[0]) ==
          "Оформить отказ по сделке: закреплённый комментарий с причиной отказа, «Отказ "
          "перед/после замера» не соответствует");
    // The reopening is the regulation working, not a move back D1 would undo.
    CHECK(comments_containing(p, early, "невозвратные") == 0);
}

// D6 reopens the deal into Предзамер; D3 must not take that for an entry to undo and close the
// deal again (with a real clock the two would hand the deal back and forth for ever).
TEST_CASE(
    "e2e: a lost deal D6 reopens into Предзамер stays open even with a field missing there — D3 "
    "only asks for the field",
    "[e2e][deal][D6][D3]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"), "Отказ без домофона");
    p.settle();
    edit(p, id, {{"UF_CRM_ADDR_INTERCOM", ""}});  // D3 checks on entry only: nothing yet
    p.settle();
    REQUIRE(tasks_of(p, id, "Заполнить поля").empty());

    p.advance(600);
    move(p, id, "LOSE");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(tasks_of(p, id, "Оформить отказ по сделке").size() == 1);
    auto fill = tasks_of(p, id, "Заполнить поля");
    REQUIRE(fill.size() == 1);
    CHECK(title_of(fill[0]) == "Заполнить поля: Домофон");
}

namespace {

// What the seed asks of a manager losing a deal after the measurement: a pinned comment with
// the reason, the same reason in «Причина отказа», and «после замера».
void record_refusal(Portal& p, long long id) {
    long long comment =
        p.control("act/comment", {{"entity", "deal"},
                                  {"id", id},
                                  {"text", "Клиент отказался: дорого, нашёл дешевле"},
                                  {"user_id", 11}})["id"]
            .get<long long>();
    auto pin = p.http.post(p.emulator_url("/rest/1/demo-secret/crm.timeline.item.pin.json"),
                           json{{"id", comment}, {"ownerTypeId", 2}, {"ownerId", id}}.dump(),
                           "application/json");
    REQUIRE(pin.status == 200);
    edit(p, id,
         {{"UF_CRM_REFUSAL_MOMENT", "Отказ после замера"}, {"UF_CRM_REFUSAL_REASON", "Дорого"}});
}

}  // namespace

// The comment reaches the daemon as ONCRMTIMELINECOMMENTADD {ID}; it reads the comment
// (crm.timeline.comment.get) and keeps it under its deal, where D6 finds it at the close.
TEST_CASE(
    "e2e: a lost deal with a pinned reason comment, the matching reason and «after» stays lost",
    "[e2e][deal][D6]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_PRECONTRACT", full_fields("2026-03-03"), "Отказ по правилам");
    p.settle();
    record_refusal(p, id);
    p.settle();
    move(p, id, "LOSE");
    p.settle();
    CHECK(stage(p, id) == "LOSE");
    CHECK(tasks_of(p, id, "Оформить отказ по сделке").empty());
}

// No event reaches the daemon: the poller sees the deal lost, and the comment, which no poll
// lists, is read with the deal's stage history (crm.timeline.comment.list).
TEST_CASE("e2e: a reason comment whose event was lost is found when the deal is lost",
          "[e2e][deal][D6][poller]") {
    PortalOptions o = deal_options();
    o.poll_interval_seconds = 1;
    Portal p(o);
    long long id = new_deal(p, "UC_PRECONTRACT", full_fields("2026-03-03"), "Отказ без событий");
    p.settle();
    p.control("config", {{"event_drop_share", 1.0}});
    p.advance(600);
    record_refusal(p, id);
    move(p, id, "LOSE");
    CHECK(eventually([&] { return rest_count(p, "crm.timeline.comment.list") >= 1; }));
    p.advance(600);
    CHECK(eventually([&] { return rest_count(p, "crm.stagehistory.list") >= 1; }));
    p.settle();
    CHECK(stage(p, id) == "LOSE");
    CHECK(tasks_of(p, id, "Оформить отказ по сделке").empty());
}

TEST_CASE("e2e: D6 switched off leaves an incomplete won deal alone", "[e2e][deal][D6][disabled]") {
    PortalOptions o = deal_options({"D1", "D2", "D3", "D4", "D5", "D7"});
    o.config_edits.push_back(disabled("D6"));
    Portal p(o);
    long long id = new_deal(p, "UC_PRECONTRACT", full_fields("2026-03-03"), "Без договора");
    p.settle();
    move(p, id, "WON");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "WON");
    CHECK(tasks_of(p, id, "Заполнить раздел «Договор»").empty());
}

// ---------------------------------------------------------------------------------------------
// R4/R5: `reglamentd replacement-report` over 200 numbers, against an expectation the test
// computes from the plan it generated, not from the daemon's code.
//
// 200 numbers arrive Monday 02.03 – Friday 06.03.2026, 40 a day, at 09:00–15:25. Their plan's
// working days are the arrival day and the next two working days: Friday's are Friday, Tuesday
// 10.03 and Wednesday 11.03 (Saturday, Sunday and the holiday of Monday 09.03 skipped). Every
// eighth number of a kind:
//   0 never reached, plan kept (+10, +80, +150 min on day 1, 10:00 day 2, 11:00 day 3) → eligible
//   1 answered «no» to the script (answered at +15 min, UF_CRM_QUALIFIED = Нет)       → eligible
//   2, 3, 7 reached and qualified (answered at +20 min)                                → neither
//   4 two attempts only (+10, +80 min)                                                 → broken
//   5 five attempts, day 1 two of them 30 minutes apart (+10, +40, +150 min)           → broken
//   6 arrives at 09:xx, first call at 15:30 (over 6 working hours), then plan kept      → broken

namespace {

const std::vector<std::string> working_days = {"2026-03-02", "2026-03-03", "2026-03-04",
                                               "2026-03-05", "2026-03-06", "2026-03-10",
                                               "2026-03-11", "2026-03-12", "2026-03-13"};

struct PlannedCall {
    int day;      // index into working_days
    int minutes;  // of the local day
    bool answered;
};

struct PlannedNumber {
    int index = 0;
    int kind = 0;
    int day = 0;
    int minutes = 0;  // arrival, of the local day
    std::string phone;
    long long lead = 0;
    std::vector<PlannedCall> calls;
};

std::string two(int v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

std::string iso_at(int day, int minutes) {
    return working_days[day] + "T" + two(minutes / 60) + ":" + two(minutes % 60) + ":00+03:00";
}

// "02.03.2026 09:10", as the report shows a moment.
std::string shown_at(int day, int minutes) {
    const auto& d = working_days[day];
    return d.substr(8, 2) + "." + d.substr(5, 2) + "." + d.substr(0, 4) + " " + two(minutes / 60) +
           ":" + two(minutes % 60);
}

std::vector<PlannedNumber> replacement_plan() {
    std::vector<PlannedNumber> plan;
    for (int i = 0; i < 200; ++i) {
        PlannedNumber n;
        n.index = i;
        n.kind = i % 8;
        n.day = i / 40;
        int j = i % 40;
        int hour = n.kind == 6 ? 9 : 9 + j % 7;
        n.minutes = hour * 60 + 5 * (j / 7);
        n.phone = "+7913" + std::to_string(5000000 + i);
        int a = n.minutes, d = n.day;
        switch (n.kind) {
            case 0:
                n.calls = {{d, a + 10, false},
                           {d, a + 80, false},
                           {d, a + 150, false},
                           {d + 1, 600, false},
                           {d + 2, 660, false}};
                break;
            case 1:
                n.calls = {{d, a + 15, true}};
                break;
            case 4:
                n.calls = {{d, a + 10, false}, {d, a + 80, false}};
                break;
            case 5:
                n.calls = {{d, a + 10, false},
                           {d, a + 40, false},
                           {d, a + 150, false},
                           {d + 1, 600, false},
                           {d + 2, 660, false}};
                break;
            case 6:
                n.calls = {{d, 15 * 60 + 30, false},
                           {d, 16 * 60 + 35, false},
                           {d, 17 * 60 + 40, false},
                           {d + 1, 600, false},
                           {d + 2, 660, false}};
                break;
            default:  // 2, 3, 7
                n.calls = {{d, a + 20, true}};
                break;
        }
        plan.push_back(n);
    }
    std::stable_sort(plan.begin(), plan.end(), [](const auto& x, const auto& y) {
        return std::tie(x.day, x.minutes) < std::tie(y.day, y.minutes);
    });
    return plan;
}

std::string attempts_of(const PlannedNumber& n) {
    std::string out;
    for (const auto& c : n.calls)
        out += (out.empty() ? "" : "; ") + shown_at(c.day, c.minutes) +
               (c.answered ? " 120 с 200" : " 0 с 486");
    return out;
}

std::string breaks_of(const PlannedNumber& n) {
    switch (n.kind) {
        case 4:
            return "меньше 5 попыток за 3 рабочих дня: 2; день 1: 2 из 3 попыток; день 2: 0 из 1 "
                   "попыток; день 3: 0 из 1 попыток";
        case 5:
            return "день 1: звонки с разницей меньше 60 мин";
        case 6:
            return "первый звонок позже 6 рабочих часов";
        default:
            return "";
    }
}

bool eligible(const PlannedNumber& n) {
    return n.kind == 0 || n.kind == 1;
}
bool broken(const PlannedNumber& n) {
    return n.kind == 4 || n.kind == 5 || n.kind == 6;
}
std::string basis_of(const PlannedNumber& n) {
    return n.kind == 1 ? "ответил «нет» на вопросы скрипта" : "не дозвонились за 3 рабочих дня";
}

}  // namespace

TEST_CASE("e2e: replacement-report over 200 numbers matches the plan they were called by",
          "[e2e][deal][R5][cli]") {
    // The report reads the portal itself: the daemon is kept out of the way (no events reach
    // it, no poll in the test's time), so 200 leads and 600 calls cost only the emulator's time.
    PortalOptions o;
    o.poll_interval_seconds = 3600;
    Portal p(o);  // Monday 02.03.2026 09:00
    p.control("config", {{"event_drop_share", 1.0}});

    auto plan = replacement_plan();
    for (auto& n : plan) {
        move_clocks_to(p, iso_at(n.day, n.minutes));
        json fields = json::object();
        if (n.kind == 1) fields["UF_CRM_QUALIFIED"] = "Нет";
        n.lead = p.control("act/lead", {{"title", "Окна: номер " + std::to_string(n.index)},
                                        {"name", "Клиент"},
                                        {"phone", n.phone},
                                        {"fields", fields}})["id"]
                     .get<long long>();
    }
    // Thursday 12.03: every plan window of the period has closed; the calls are logged with
    // the times they were made.
    move_clocks_to(p, "2026-03-12T09:00:00+03:00");
    for (const auto& n : plan)
        for (const auto& c : n.calls)
            p.control("act/call", {{"user_id", 10 + n.index % 6},
                                   {"lead_id", n.lead},
                                   {"answered", c.answered},
                                   {"duration", c.answered ? 120 : 0},
                                   {"start", iso_at(c.day, c.minutes)}});

    auto csv = p.dir / "replacement-200.csv";
    ChildProcess cli(
        {REGLAMENTD_BIN, "replacement-report", "--config", (p.dir / "reglament.toml").string(),
         "--from", "2026-03-02", "--to", "2026-03-06", "--login", "okna-msk", "--script",
         "https://example.ru/script", "--csv", csv.string()},
        p.dir / "report-200.out");
    REQUIRE(cli.wait_exit(std::chrono::seconds(60)) == 0);
    auto out = cli.output();
    INFO(out);

    // By hand: kinds 0 and 1 are 2 of every 8 (50 of 200, 25.0%, under the 30% cap); kinds 4,
    // 5 and 6 are 75; nothing is pending.
    int n_eligible = 0, n_broken = 0;
    std::string eligible_lines, broken_lines, eligible_rows, broken_rows;
    for (const auto& n : plan) {
        auto id = std::to_string(n.lead);
        if (eligible(n)) {
            ++n_eligible;
            eligible_lines += "  " + n.phone + " (лид " + id + ", поступил " +
                              shown_at(n.day, n.minutes) + "): " + basis_of(n) +
                              ". Попытки: " + attempts_of(n) + "\n";
            eligible_rows += n.phone + "," + id + "," + shown_at(n.day, n.minutes) + ",eligible," +
                             basis_of(n) + "," + attempts_of(n) + "\n";
        } else if (broken(n)) {
            ++n_broken;
            broken_lines += "  " + n.phone + " (лид " + id + "): " + breaks_of(n) +
                            ". Попытки: " + attempts_of(n) + "\n";
            broken_rows += n.phone + "," + id + "," + shown_at(n.day, n.minutes) + ",plan_broken," +
                           breaks_of(n) + "," + attempts_of(n) + "\n";
        } else {
            CHECK(out.find("(лид " + id + ",") == std::string::npos);
            CHECK(out.find("(лид " + id + ")") == std::string::npos);
        }
    }
    REQUIRE(n_eligible == 50);
    REQUIRE(n_broken == 75);
    std::string expected =
        "Номеров за период: 200\n"
        "На замену: 50 (25.0%, предел 30.0%)\n"
        "План дозвона нарушен: 75, окно 3 рабочих дней не закрыто: 0\n"
        "\n"
        "Подлежат замене:\n" +
        eligible_lines +
        "\n"
        "План дозвона нарушен (поставщик откажет):\n" +
        broken_lines +
        "\n"
        "Прошу произвести начисление 50 определений на замену.\n"
        "Логин клиента okna-msk\n"
        "Скрипт - https://example.ru/script\n";
    CHECK_THAT(out, Catch::Contains(expected));
    CHECK_THAT(out, !Catch::Contains("ВНИМАНИЕ"));
    CHECK(read_file(csv.string()) ==
          "phone,lead_id,arrived,verdict,basis_or_breaks,attempts\n" + eligible_rows + broken_rows);
}

}  // namespace deal_closing_e2e_test
