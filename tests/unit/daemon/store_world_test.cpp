// The rules' World answered from snapshots in a real SQLite file.
#include <catch2/catch.hpp>

#include "daemon/entity_model.hpp"
#include "daemon/stage_history.hpp"
#include "daemon/store_world.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace store_world_test {

using namespace reglament;
using daemon::snapshot_of;
using daemon::StoreWorld;
using rules::EntityRef;
using store::testing::at_ms;
using store::testing::TempDir;

namespace {

void put(store::Store& s, const rules::Entity& entity, const std::string& type,
         const std::string& id) {
    s.put_snapshot(snapshot_of({type, id}, entity, at_ms(1000)));
}

rules::Task task(const std::string& id, int status, std::vector<std::string> bindings) {
    rules::Task t;
    t.id = id;
    t.title = "task " + id;
    t.status = status;
    t.crm_bindings = std::move(bindings);
    return t;
}

rules::Lead lead(const std::string& id, std::vector<std::string> phones) {
    rules::Lead l;
    l.id = id;
    l.title = "lead " + id;
    l.phones = std::move(phones);
    return l;
}

rules::Activity activity(const std::string& id, int owner_type, const std::string& owner,
                         bool completed) {
    rules::Activity a;
    a.id = id;
    a.owner_type_id = owner_type;
    a.owner_id = owner;
    a.completed = completed;
    return a;
}

std::vector<std::string> ids(const auto& models) {
    std::vector<std::string> out;
    for (const auto& m : models)
        out.push_back(m.id);
    return out;
}

}  // namespace

TEST_CASE("open tasks bound to a lead: completed and awaiting control are not open",
          "[store_world]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    put(s, task("1", 2, {"L_12"}), "task", "1");
    put(s, task("2", 3, {"L_12", "D_7"}), "task", "2");
    put(s, task("3", 5, {"L_12"}), "task", "3");
    put(s, task("4", 4, {"L_12"}), "task", "4");
    put(s, task("5", 6, {"L_12"}), "task", "5");
    put(s, task("6", 2, {"L_13"}), "task", "6");
    StoreWorld world(s);

    CHECK(ids(world.open_tasks_bound_to("L_12")) == std::vector<std::string>{"1", "2", "5"});
    CHECK(ids(world.open_tasks_bound_to("D_7")) == std::vector<std::string>{"2"});
    CHECK(world.open_tasks_bound_to("L_99").empty());

    // Completing a task rewrites its snapshot; unbinding it drops its old term.
    put(s, task("1", 5, {"L_12"}), "task", "1");
    put(s, task("2", 3, {"D_7"}), "task", "2");
    CHECK(ids(world.open_tasks_bound_to("L_12")) == std::vector<std::string>{"5"});
    CHECK(ids(world.open_tasks_bound_to("D_7")) == std::vector<std::string>{"2"});
}

TEST_CASE("leads by phone, whatever way the number was written", "[store_world]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    put(s, lead("12", {"8 (916) 123-45-67"}), "lead", "12");
    put(s, lead("13", {"+7 916 123 45 67", "+7 495 000-11-22"}), "lead", "13");
    put(s, lead("14", {"+7 903 000 00 01"}), "lead", "14");
    StoreWorld world(s);

    CHECK(world.leads_with_phone("79161234567") == std::vector<std::string>{"12", "13"});
    CHECK(world.leads_with_phone("89161234567") == std::vector<std::string>{"12", "13"});
    CHECK(world.leads_with_phone("74950001122") == std::vector<std::string>{"13"});
    CHECK(world.leads_with_phone("70000000000").empty());
    CHECK(world.leads_with_phone("").empty());

    auto l = world.lead("13");
    REQUIRE(l);
    CHECK(l->title == "lead 13");
    CHECK(l->phones.size() == 2);
    CHECK_FALSE(world.lead("99"));

    s.erase_snapshot("lead:12");
    CHECK(world.leads_with_phone("79161234567") == std::vector<std::string>{"13"});
}

TEST_CASE("open activities of a lead or deal", "[store_world]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    put(s, activity("1", 1, "12", false), "activity", "1");
    put(s, activity("2", 1, "12", true), "activity", "2");
    put(s, activity("3", 2, "12", false), "activity", "3");
    put(s, activity("4", 1, "13", false), "activity", "4");
    StoreWorld world(s);

    CHECK(ids(world.open_activities_of({"lead", "12"})) == std::vector<std::string>{"1"});
    CHECK(ids(world.open_activities_of({"deal", "12"})) == std::vector<std::string>{"3"});
    CHECK(world.open_activities_of({"deal", "99"}).empty());
}

TEST_CASE("deals by id, presence from the injected callback", "[store_world]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    rules::Deal d;
    d.id = "7";
    d.stage_id = "C1:NEW";
    d.category_id = "1";
    put(s, d, "deal", "7");

    StoreWorld everyone(s);
    auto got = everyone.deal("7");
    REQUIRE(got);
    CHECK(got->stage_id == "C1:NEW");
    CHECK_FALSE(everyone.deal("8"));
    CHECK_FALSE(everyone.lead("7"));  // a deal's id is not a lead
    CHECK(everyone.is_present("15", at_ms(0)));

    std::vector<std::pair<std::string, TimePoint>> asked;
    StoreWorld shifts(s, [&](const std::string& user, TimePoint at) {
        asked.emplace_back(user, at);
        return user == "15";
    });
    CHECK(shifts.is_present("15", at_ms(5)));
    CHECK_FALSE(shifts.is_present("16", at_ms(6)));
    CHECK(asked ==
          std::vector<std::pair<std::string, TimePoint>>{{"15", at_ms(5)}, {"16", at_ms(6)}});
    // Never read: no history. The rest stays at World's defaults.
    CHECK(shifts.stage_history("7").empty());
    CHECK_FALSE(shifts.client_accounting("7"));
}

TEST_CASE("a deal's stage history as the engine kept it, oldest first", "[store_world]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    nlohmann::json rows = nlohmann::json::array({{{"ID", 31},
                                                  {"OWNER_ID", 7},
                                                  {"CREATED_TIME", "2026-03-02T12:00:00+03:00"},
                                                  {"CATEGORY_ID", 0},
                                                  {"STAGE_ID", "NEW"}},
                                                 {{"ID", 30},
                                                  {"OWNER_ID", 7},
                                                  {"CREATED_TIME", "2026-03-02T11:00:00+03:00"},
                                                  {"CATEGORY_ID", 0},
                                                  {"STAGE_ID", "UC_PREMEASURE"}}});
    s.put_snapshot(daemon::stage_history_snapshot("7", daemon::stage_history_from_rest("7", rows),
                                                  at_ms(1000)));
    StoreWorld world(s);
    auto history = world.stage_history("7");
    REQUIRE(history.size() == 2);
    CHECK(history[0].stage_id == "UC_PREMEASURE");
    CHECK(history[0].category_id == "0");
    CHECK(history[1].stage_id == "NEW");
    CHECK(world.stage_history("8").empty());
}

}  // namespace store_world_test
