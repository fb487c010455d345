// The deal pipeline (D1–D7) and the call rules (R1–R4) in the two modes a call centre puts a
// rule in before it trusts it or instead of it: dry-run (the rule decides, its journal says what
// it would have done, the portal is left as it was) and switched off (the rule decides nothing).
// Every scenario is one in which the live rule acts — the same as its test in
// deal_rules_e2e_test.cpp or deal_closing_e2e_test.cpp — and the other rules stay live, so what
// they still do shows the scenario ran. D6 switched off is in deal_closing_e2e_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/e2e/deal_fixture.hpp"

namespace rule_modes_e2e_test {

using namespace reglament::test;
using namespace reglament::test::deals;
using nlohmann::json;

namespace {

enum class Mode { dry_run, disabled };

// The shipped config with `rule` in `mode`; every other rule live, as shipped.
PortalOptions rule_in(const std::string& rule, Mode mode) {
    std::vector<std::string> others;
    for (const auto& r : d_rules)
        if (r != rule) others.push_back(r);
    PortalOptions o = deal_options(others);
    o.config_edits.push_back(mode == Mode::dry_run ? dry_run(rule) : disabled(rule));
    return o;
}

int occurrences(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// What `reglamentd journal` says `rule` did about `entity` ("deal:7"): in dry-run, every line is
// marked dry-run and together they carry each of `would` (the actions, what they would have
// written); switched off, not a line.
void check_journal(Portal& p, const std::string& entity, const std::string& rule, Mode mode,
                   const std::vector<std::string>& would = {}) {
    auto journal = p.journal({"--entity", entity, "--rule", rule});
    INFO("reglamentd journal --entity " << entity << " --rule " << rule << ":\n" << journal);
    if (mode == Mode::disabled) {
        CHECK(journal.empty());
        return;
    }
    int lines = occurrences(journal, "\n");
    CHECK(lines > 0);
    CHECK(occurrences(journal, "  [dry-run]  ") == lines);
    for (const auto& w : would)
        CHECK_THAT(journal, Catch::Contains(w));
}

std::string deal_key(long long id) {
    return "deal:" + std::to_string(id);
}

std::string lead_key(long long id) {
    return "lead:" + std::to_string(id);
}

// Notifications to anyone whose text contains `needle`.
std::vector<json> notices(Portal& p, const std::string& needle) {
    std::vector<json> out;
    for (const auto& n : p.list("notifications"))
        if (n.value("message", std::string()).find(needle) != std::string::npos) out.push_back(n);
    return out;
}

// Timeline comments on anything whose text contains `needle`.
int comments_anywhere(Portal& p, const std::string& needle) {
    int n = 0;
    json all = p.list("comments");
    for (const auto& c : all["timeline"])
        if (c.value("comment", std::string()).find(needle) != std::string::npos) ++n;
    return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// D1: a deal in Предзамер moved back to Просчёт.

namespace {

void d1_move_back(Mode mode) {
    Portal p(rule_in("D1", mode));  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    move(p, id, "NEW");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "NEW");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(comments_containing(p, id, "невозвратные") == 0);
    CHECK(notifications(p, 11, "невозвратной стадии").empty());
    check_journal(p, deal_key(id), "D1", mode,
                  {"deal.update", "\"STAGE_ID\":\"UC_PREMEASURE\"", "notify"});
}

}  // namespace

TEST_CASE("e2e: D1 in dry-run journals the restore and writes nothing",
          "[e2e][deal][D1][dry-run]") {
    d1_move_back(Mode::dry_run);
}

TEST_CASE("e2e: D1 switched off leaves a move back alone", "[e2e][deal][D1][disabled]") {
    d1_move_back(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// D2: a deal entering Замер with the measurement 10 days out belongs in Предзамер.

namespace {

void d2_stage_against_the_date(Mode mode) {
    Portal p(rule_in("D2", mode));  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "NEW", full_fields("2026-03-12"));
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    move(p, id, "UC_MEASURE");
    p.settle();
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(comments_containing(p, id, "Стадия выбрана") == 0);
    check_journal(p, deal_key(id), "D2", mode,
                  {"deal.update", "\"STAGE_ID\":\"UC_PREMEASURE\"", "timeline.comment",
                   "Стадия выбрана по дате замера (12.03.2026): 10 дн."});
}

}  // namespace

TEST_CASE("e2e: D2 in dry-run journals the stage the date asks for and writes nothing",
          "[e2e][deal][D2][dry-run]") {
    d2_stage_against_the_date(Mode::dry_run);
}

TEST_CASE("e2e: D2 switched off leaves a stage that contradicts the measurement date alone",
          "[e2e][deal][D2][disabled]") {
    d2_stage_against_the_date(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// D3: a deal entering Предзамер without three of the required fields. D2 (live) leaves such a
// deal to D3.

namespace {

void d3_entry_without_fields(Mode mode) {
    Portal p(rule_in("D3", mode));
    json fields = full_fields("2026-03-12");
    fields.erase("UF_CRM_ADDR_ENTRANCE");
    fields.erase("UF_CRM_ADDR_INTERCOM");
    fields.erase("UF_CRM_PRECALC_SUM");
    long long id = new_deal(p, "NEW", fields);
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    move(p, id, "UC_PREMEASURE");
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(tasks_of(p, id, "").empty());  // no task of ours on the deal
    check_journal(p, deal_key(id), "D3", mode,
                  {"deal.update", "\"STAGE_ID\":\"NEW\"", "task.add",
                   "Заполнить поля: Подъезд, Домофон, Сумма предварительного просчёта"});
}

}  // namespace

TEST_CASE("e2e: D3 in dry-run journals the restore and the task for missing fields, writes nothing",
          "[e2e][deal][D3][dry-run]") {
    d3_entry_without_fields(Mode::dry_run);
}

TEST_CASE("e2e: D3 switched off lets a deal into Предзамер without the required fields",
          "[e2e][deal][D3][disabled]") {
    d3_entry_without_fields(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// D4: the confirmation activity of a deal in Предзамер measured on 12.03, due on Friday 06.03
// at 10:00 (12.03 − 3 days is the holiday of Monday 09.03).

namespace {

void d4_reminder_due(Mode mode) {
    Portal p(rule_in("D4", mode));  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    int added = rest_count(p, "crm.activity.todo.add");
    advance_to(p, "2026-03-06T10:01:00+03:00");
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(activities(p, id, reminder_title).empty());
    CHECK(rest_count(p, "crm.activity.todo.add") == added);
    check_journal(p, deal_key(id), "D4", mode,
                  {"activity.todo", reminder_title, "Дата замера: 12.03.2026."});
}

}  // namespace

TEST_CASE("e2e: D4 in dry-run journals the confirmation activity when due and writes nothing",
          "[e2e][deal][D4][dry-run]") {
    d4_reminder_due(Mode::dry_run);
}

TEST_CASE("e2e: D4 switched off gives a deal in Предзамер no confirmation activity",
          "[e2e][deal][D4][disabled]") {
    d4_reminder_due(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// D5: a deal measured on Tuesday 03.03 with neither contract nor sheets, the morning after.

namespace {

void d5_no_sheets_the_morning_after(Mode mode) {
    Portal p(rule_in("D5", mode));  // Monday 02.03.2026 09:00
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-03"), "Замер во вторник");
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    advance_to(p, "2026-03-04T11:01:00+03:00");
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(comments_containing(p, id, "замерного листа") == 0);
    CHECK(notifications(p, 11, "Замер во вторник").empty());
    CHECK(notifications(p, 20, "Замер во вторник").empty());
    check_journal(p, deal_key(id), "D5", mode,
                  {"deal.update", "\"STAGE_ID\":\"UC_NO_SHEET\"", "notify"});
}

}  // namespace

TEST_CASE("e2e: D5 in dry-run journals the cut-off and writes nothing",
          "[e2e][deal][D5][dry-run]") {
    d5_no_sheets_the_morning_after(Mode::dry_run);
}

TEST_CASE("e2e: D5 switched off leaves a measured deal without sheets alone past every cut-off",
          "[e2e][deal][D5][disabled]") {
    d5_no_sheets_the_morning_after(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// D6: a deal closed as won with no «Договор» section at all.

TEST_CASE("e2e: D6 in dry-run journals the reopening of an incomplete won deal and writes nothing",
          "[e2e][deal][D6][dry-run]") {
    Portal p(rule_in("D6", Mode::dry_run));
    long long id = new_deal(p, "UC_PRECONTRACT", full_fields("2026-03-03"), "Без договора");
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    move(p, id, "WON");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "WON");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(tasks_of(p, id, "").empty());  // no task of ours on the deal
    check_journal(p, deal_key(id), "D6", Mode::dry_run,
                  {"deal.update", "\"STAGE_ID\":\"UC_PRECONTRACT\"", "task.add",
                   "Заполнить раздел «Договор»: ", "Скидка", "ФИО клиента"});
}

// ---------------------------------------------------------------------------------------------
// D7: D2 (live) moves a deal measured 40 days out to «Отложенный спрос»; it arrives there with no
// activity for the next contact.

namespace {

void d7_deferred_without_next_contact(Mode mode) {
    Portal p(rule_in("D7", mode));
    long long id = new_deal(p, "NEW", full_fields("2026-04-11"));  // 02.03 + 40 days
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    p.advance(600);  // and a sweep
    p.settle();
    REQUIRE(category(p, id) == "1");
    CHECK(stage(p, id) == "C1:APRIL");
    CHECK(tasks_of(p, id, "").empty());  // no task of ours on the deal
    check_journal(p, deal_key(id), "D7", mode,
                  {"task.add", "Создать дело с датой следующего контакта"});
}

}  // namespace

TEST_CASE("e2e: D7 in dry-run journals the task for a deferred deal's next contact, writes nothing",
          "[e2e][deal][D7][dry-run]") {
    d7_deferred_without_next_contact(Mode::dry_run);
}

TEST_CASE("e2e: D7 switched off asks nothing of a deferred deal without a next contact",
          "[e2e][deal][D7][disabled]") {
    d7_deferred_without_next_contact(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// R1 / R2: a number arrives on Monday 09:00 and nobody calls it. R2 plans the first call at once;
// R1 tells the responsible and the head at 15:00, six working hours later. The rule not under
// test stays live: its task or its notice shows the number was there to act on.

namespace {

void uncalled_number(const std::string& rule, Mode mode) {
    Portal p(rule_in(rule, mode));  // Monday 02.03.2026 09:00
    long long id = new_lead(p, "+7 912 555-50-01", "Окна: никто не звонит");
    p.settle();
    p.advance(6 * 3600 + 60);  // 15:01
    p.settle();
    const std::string late = "«Окна: никто не звонит»: за 6 рабочих часов";
    const std::string first = "Позвонить клиенту (попытка 1 из 5)";
    auto tasks = plan_tasks(p, id);
    if (rule == "R1") {
        CHECK(notices(p, "не было ни одного звонка").empty());
        REQUIRE(tasks.size() == 1);
        CHECK(title_of(tasks[0]) == first);
        check_journal(p, lead_key(id), "R1", mode, {"notify", late});
    } else {
        CHECK(tasks.empty());
        CHECK(notifications(p, 20, late).size() == 1);
        CHECK(notifications(p, responsible(p, id), late).size() == 1);
        check_journal(p, lead_key(id), "R2", mode, {"task.add", first});
    }
}

}  // namespace

TEST_CASE("e2e: R1 in dry-run journals the late-first-call notice and sends none",
          "[e2e][deal][R1][dry-run]") {
    uncalled_number("R1", Mode::dry_run);
}

TEST_CASE("e2e: R1 switched off sends no notice for a number not called in 6 working hours",
          "[e2e][deal][R1][disabled]") {
    uncalled_number("R1", Mode::disabled);
}

TEST_CASE("e2e: R2 in dry-run journals the dial plan's first call task and creates none",
          "[e2e][deal][R2][dry-run]") {
    uncalled_number("R2", Mode::dry_run);
}

TEST_CASE("e2e: R2 switched off creates no dial plan tasks", "[e2e][deal][R2][disabled]") {
    uncalled_number("R2", Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// R3: a call answered at 09:01 and left without a status or a comment for half an hour.

namespace {

void unrecorded_call(Mode mode) {
    Portal p(rule_in("R3", mode));  // Monday 02.03.2026 09:00
    long long id = new_lead(p, "+7 912 555-30-01", "Окна: без итога");
    p.settle();
    p.advance(60);
    long long caller = responsible(p, id);
    call(p, id, true);
    p.settle();
    p.advance(60 * 60);
    p.settle();
    const std::string flag = "не поставлен статус или комментарий";
    CHECK(notifications(p, caller, flag).empty());
    CHECK(notices(p, flag).empty());
    check_journal(p, lead_key(id), "R3", mode, {"notify", flag, "+7 912 555-30-01"});
}

}  // namespace

TEST_CASE("e2e: R3 in dry-run journals the flag for an unrecorded call and sends none",
          "[e2e][deal][R3][dry-run]") {
    unrecorded_call(Mode::dry_run);
}

TEST_CASE("e2e: R3 switched off, an unrecorded call is not flagged", "[e2e][deal][R3][disabled]") {
    unrecorded_call(Mode::disabled);
}

// ---------------------------------------------------------------------------------------------
// R4: a number called by the plan for three working days and never reached, when the window of
// day 3 closes.

namespace {

void never_reached(Mode mode) {
    Portal p(rule_in("R4", mode));  // Monday 02.03.2026 09:00
    long long id = new_lead(p, "+7 912 555-40-01", "Окна: не дозвонились");
    p.settle();
    // Day 1: 09:10, 10:20, 11:30; day 2: 10:00; day 3: 11:00 — the plan kept to the letter.
    for (int minutes : {10, 70, 70, 22 * 60 + 30, 25 * 60}) {
        p.advance(minutes * 60);
        call(p, id, false);
        p.settle();
    }
    auto status = p.lead(id).value("STATUS_ID", "");
    p.advance(8 * 3600);  // Wednesday 19:00
    p.settle();
    CHECK(status != "UC_REPLACEMENT");
    CHECK(p.lead(id).value("STATUS_ID", "") == status);
    CHECK(comments_anywhere(p, "на замену") == 0);
    check_journal(p, lead_key(id), "R4", mode,
                  {"lead.update", "\"STATUS_ID\":\"UC_REPLACEMENT\"", "timeline.comment",
                   "на замену: не дозвонились за 3 рабочих дня, попыток: 5"});
}

}  // namespace

TEST_CASE("e2e: R4 in dry-run journals «на замену» for a number never reached and writes nothing",
          "[e2e][deal][R4][dry-run]") {
    never_reached(Mode::dry_run);
}

TEST_CASE("e2e: R4 switched off leaves a number never reached in its status",
          "[e2e][deal][R4][disabled]") {
    never_reached(Mode::disabled);
}

}  // namespace rule_modes_e2e_test
