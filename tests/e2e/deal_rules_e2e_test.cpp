// The deal pipeline (D1–D7) and the dial plan (R1/R2) end to end: the emulated portal and the
// daemon as processes, the shipped example config with the D rules switched from dry-run to
// live, both clocks moved together. What is asserted is what the call centre sees: the deal's
// stage and pipeline, the comments, the notifications, the tasks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/e2e/portal_fixture.hpp"

using namespace reglament::test;
using nlohmann::json;

namespace {

const std::vector<std::string> d_rules = {"D1", "D2", "D3", "D4", "D5", "D6", "D7"};

// The example config ships the D rules in dry-run; these tests run them live.
std::pair<std::string, std::string> live(const std::string& rule) {
    return {"\\[rules\\." + rule + "\\]\nenabled = true\ndry_run = true",
            "[rules." + rule + "]\nenabled = true\ndry_run = false"};
}

PortalOptions deal_options(const std::vector<std::string>& rules = d_rules) {
    PortalOptions o;
    for (const auto& r : rules)
        o.config_edits.push_back(live(r));
    return o;
}

// Every field D3 asks for, measurement on `date`.
json full_fields(const std::string& date) {
    return {{"UF_CRM_ADDR_CITY", "Москва"},  {"UF_CRM_ADDR_STREET", "ул. Ленина"},
            {"UF_CRM_ADDR_HOUSE", "5"},      {"UF_CRM_ADDR_FLAT", "12"},
            {"UF_CRM_ADDR_ENTRANCE", "1"},   {"UF_CRM_ADDR_FLOOR", "3"},
            {"UF_CRM_ADDR_INTERCOM", "12К"}, {"UF_CRM_MEASURE_DATE", date},
            {"UF_CRM_VIDEO_ALLOWED", "Y"},   {"UF_CRM_PRECALC_SUM", 85000}};
}

// A manager creates a deal through the portal (ONCRMDEALADD reaches the daemon).
long long new_deal(Portal& p, const std::string& stage, json fields,
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

json deal(Portal& p, long long id) {
    return p.control("deals/" + std::to_string(id));
}

std::string stage(Portal& p, long long id) {
    return deal(p, id).value("STAGE_ID", std::string());
}

std::string category(Portal& p, long long id) {
    json c = deal(p, id)["CATEGORY_ID"];
    return c.is_string() ? c.get<std::string>() : c.dump();
}

void move(Portal& p, long long id, const std::string& to, long long user = 11) {
    p.control("act/move-stage", {{"entity", "deal"}, {"id", id}, {"stage", to}, {"user_id", user}});
}

void edit(Portal& p, long long id, const json& fields, long long user = 11) {
    p.control("act/edit", {{"entity", "deal"}, {"id", id}, {"fields", fields}, {"user_id", user}});
}

std::vector<std::string> deal_comments(Portal& p, long long id) {
    std::vector<std::string> out;
    json all = p.list("comments");  // a range-for over a temporary's member would dangle
    for (const auto& c : all["timeline"]) {
        auto type = c.value("entity_type", std::string());
        if (c.value("entity_id", 0LL) == id && (type == "deal" || type == "DEAL" || type == "2"))
            out.push_back(c.value("comment", std::string()));
    }
    return out;
}

int comments_containing(Portal& p, long long id, const std::string& needle) {
    int n = 0;
    for (const auto& c : deal_comments(p, id))
        if (c.find(needle) != std::string::npos) ++n;
    return n;
}

std::vector<json> notifications(Portal& p, long long user, const std::string& needle) {
    std::vector<json> out;
    for (const auto& n : p.list("notifications"))
        if (n.value("user_id", 0LL) == user &&
            n.value("message", std::string()).find(needle) != std::string::npos)
            out.push_back(n);
    return out;
}

// Tasks bound to a CRM item ("D_7", "L_3") whose title (behind the marker) starts with `prefix`.
std::vector<json> tasks_of(Portal& p, const std::string& binding, const std::string& prefix) {
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

std::string title_of(const json& task) {
    auto t = task.value("title", std::string());
    const std::string marker = "[Регламент] ";
    return t.rfind(marker, 0) == 0 ? t.substr(marker.size()) : t;
}

int rest_count(Portal& p, const std::string& method) {
    return p.control("rest-calls?limit=1")["counts"].value(method, 0);
}

std::string binding(long long deal_id) {
    return "D_" + std::to_string(deal_id);
}

}  // namespace

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
    CHECK(notifications(p, 11, "возвращена из невозвратной стадии в «NEW»").size() == 1);
    CHECK(notifications(p, 1, "возвращена из невозвратной стадии в «NEW»").size() == 1);
    // The restore's own echo is not a move back: nothing more happens.
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "UC_PREMEASURE");
    CHECK(comments_containing(p, id, "невозвратные") == 1);
}

TEST_CASE("e2e: a move Замер → Перенос is undone; a move forward is left alone",
          "[e2e][deal][D1]") {
    Portal p(deal_options());
    long long id = new_deal(p, "UC_MEASURE", full_fields("2026-03-04"));
    p.settle();
    move(p, id, "PREPARATION");  // Перенос
    p.settle();
    CHECK(stage(p, id) == "UC_MEASURE");
    CHECK(notifications(p, 11, "в «PREPARATION»").size() == 1);

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
    CHECK(eventually([&] { return notifications(p, 1, "невозвратной стадии").size() == 1; }));
}

TEST_CASE("e2e: D1 switched off leaves a move back alone", "[e2e][deal][D1][disabled]") {
    PortalOptions o = deal_options({"D2", "D3"});
    o.config_edits.push_back({"\\[rules\\.D1\\]\nenabled = true", "[rules.D1]\nenabled = false"});
    Portal p(o);
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    move(p, id, "NEW");
    p.settle();
    p.advance(600);
    p.settle();
    CHECK(stage(p, id) == "NEW");
    CHECK(comments_containing(p, id, "невозвратные") == 0);
    CHECK(notifications(p, 11, "невозвратной стадии").empty());
}

TEST_CASE("e2e: D1 in dry-run (as shipped) journals the restore and writes nothing",
          "[e2e][deal][D1][dry-run]") {
    Portal p;  // the example config as shipped: D rules in dry-run
    long long id = new_deal(p, "UC_PREMEASURE", full_fields("2026-03-12"));
    p.settle();
    int updates = rest_count(p, "crm.deal.update");
    move(p, id, "NEW");
    p.settle();
    CHECK(stage(p, id) == "NEW");
    CHECK(rest_count(p, "crm.deal.update") == updates);
    CHECK(comments_containing(p, id, "невозвратные") == 0);
    CHECK(notifications(p, 11, "невозвратной стадии").empty());
    auto journal = p.journal({"--entity", "deal:" + std::to_string(id), "--rule", "D1"});
    CHECK_THAT(journal, Catch::Contains("dry-run"));
    CHECK_THAT(journal, Catch::Contains("deal.update"));
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
    // D7 on arrival: no activity with the next contact yet → the manager is asked for one.
    CHECK(tasks_of(p, binding(id), "Создать дело с датой следующего контакта").size() == 1);
    // The move across pipelines is not a move back for D1.
    CHECK(comments_containing(p, id, "невозвратные") == 0);
}

TEST_CASE("e2e: a deferred deal's stage follows the month of its next contact", "[e2e][deal][D7]") {
    Portal p(deal_options());
    long long id = new_deal(p, "NEW", full_fields("2026-04-11"));
    p.settle();
    move(p, id, "UC_PREMEASURE");
    p.settle();
    REQUIRE(stage(p, id) == "C1:APRIL");
    // The manager plans the next contact for 20.05 (79 days out): the stage becomes May.
    auto add = p.http.post(p.emulator_url("/rest/1/demo-secret/crm.activity.todo.add.json"),
                           json{{"ownerTypeId", 2},
                                {"ownerId", id},
                                {"deadline", "2026-05-20T10:00:00+03:00"},
                                {"title", "Позвонить клиенту"},
                                {"responsibleId", 11}}
                               .dump(),
                           "application/json");
    INFO(add.body);
    REQUIRE(add.status == 200);
    p.settle();
    // The deal's next event or the next sweep sees the activity.
    edit(p, id, {{"UF_CRM_MEASURE_DATE", "2026-05-20"}});
    p.settle();
    p.advance(3600);
    p.settle();
    CHECK(stage(p, id) == "C1:MAY");
    CHECK(category(p, id) == "1");
}
