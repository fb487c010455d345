#include <catch2/catch.hpp>
#include <fstream>

#include "fixture.hpp"

namespace events_work_test {

using namespace emu_test;
using reglament::net::decode_form;

TEST_CASE("emulator: changes POST the documented form body to bound handlers", "[emulator]") {
    Portal p;
    p.load_demo();
    p.emu.events.auth.application_token = "apptoken";
    p.emu.events.add_handler("http://127.0.0.1:9/bitrix", {});
    p.emu.events.add_handler("http://127.0.0.1:9/tasks-only", {"ONTASKADD"});
    p.ok("crm.lead.add", {{"fields", {{"TITLE", "Новый"}}}});
    p.ok("tasks.task.add", {{"fields", {{"TITLE", "Позвонить"}, {"RESPONSIBLE_ID", 10}}}});
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 3);
    CHECK(out[0].content_type == "application/x-www-form-urlencoded");
    auto lead = decode_form(out[0].body);
    CHECK(lead["event"] == "ONCRMLEADADD");
    CHECK(lead["data"]["FIELDS"]["ID"] == "7");
    CHECK(lead["auth"]["application_token"] == "apptoken");
    CHECK(lead["auth"]["domain"] == "emulator.bitrix24.ru");
    CHECK(lead["auth"].contains("member_id"));
    CHECK(lead["auth"].contains("client_endpoint"));
    CHECK(lead["auth"].contains("server_endpoint"));
    CHECK(lead["event_handler_id"] == "1");
    CHECK(lead.contains("ts"));
    auto task = decode_form(out[1].body);
    CHECK(task["event"] == "ONTASKADD");
    CHECK(task["data"]["FIELDS_AFTER"]["ID"] == "3");
    CHECK(out[2].url == "http://127.0.0.1:9/tasks-only");
    CHECK(p.emu.take_outbound().empty());  // never retried, never repeated
}

TEST_CASE("emulator: a share of events is dropped or delayed", "[emulator]") {
    Portal p;
    p.emu.clock.set(at("2026-01-12T09:00:00+03:00"), true);
    p.emu.events.add_handler("http://127.0.0.1:9/h", {});
    p.emu.events.drop_share = 1.0;
    p.ok("crm.lead.add", {{"fields", {{"TITLE", "x"}}}});
    CHECK(p.emu.take_outbound().empty());
    p.emu.events.drop_share = 0;
    p.emu.events.delay_share = 1.0;
    p.emu.events.delay = std::chrono::seconds(30);
    p.ok("crm.lead.update", {{"id", 1}, {"fields", {{"TITLE", "y"}}}});
    CHECK(p.emu.take_outbound().empty());
    p.emu.clock.advance(std::chrono::seconds(30));
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 1);
    CHECK(decode_form(out[0].body)["event"] == "ONCRMLEADUPDATE");
    auto log = p.control("GET", "events")["log"];
    CHECK(log[0]["fate"] == "dropped");
    CHECK(log[1]["fate"] == "delayed");
}

TEST_CASE("emulator: tasks are added, listed, postponed and completed in camelCase", "[emulator]") {
    Portal p;
    p.load_demo();
    auto added = p.ok("tasks.task.add", {{"fields",
                                          {{"TITLE", "Перезвонить"},
                                           {"RESPONSIBLE_ID", 11},
                                           {"DEADLINE", "2026-01-13T10:00:00+03:00"},
                                           {"UF_CRM_TASK", {"L_2"}}}}});
    auto task = added["result"]["task"];
    CHECK(task["id"] == "3");
    CHECK(task["responsibleId"] == "11");
    CHECK(task["ufCrmTask"] == json::array({"L_2"}));
    p.ok("tasks.task.update", {{"taskId", 3}, {"fields", {{"DEADLINE", "2026-01-14T10:00:00Z"}}}});
    auto got = p.ok("tasks.task.get", {{"taskId", 3}})["result"]["task"];
    CHECK(got["deadline"] == "2026-01-14T13:00:00+03:00");
    CHECK_FALSE(got.contains("ufCrmTask"));  // only when selected
    auto list = p.ok("tasks.task.list", {{"filter", {{"RESPONSIBLE_ID", 11}}},
                                         {"select", {"ID", "TITLE", "UF_CRM_TASK"}}});
    CHECK(list["total"] == 1);
    CHECK(list["result"]["tasks"][0]["ufCrmTask"][0] == "L_2");
    CHECK(p.call("tasks.task.list", {{"filter", {{"@ID", {1, 2}}}}}).status == 400);
    auto c = p.ok("task.commentitem.add",
                  {{"TASKID", 3}, {"FIELDS", {{"POST_MESSAGE", "Клиент просил позже"}}}});
    CHECK(c["result"] == 1);
    auto comments = p.ok("task.commentitem.getlist", {{"TASKID", 3}})["result"];
    CHECK(comments[0]["POST_MESSAGE"] == "Клиент просил позже");
    p.ok("tasks.task.complete", {{"taskId", 3}});
    CHECK(p.ok("tasks.task.get", {{"taskId", 3}})["result"]["task"]["status"] == "5");
}

TEST_CASE("emulator: activities, to-dos, timeline comments and pinning", "[emulator]") {
    Portal p;
    p.load_demo();
    auto id =
        p.ok("crm.activity.add",
             {{"fields",
               {{"OWNER_TYPE_ID", 1},
                {"OWNER_ID", 2},
                {"TYPE_ID", 2},
                {"SUBJECT", "Звонок"},
                {"DIRECTION", 2},
                {"COMPLETED", "Y"},
                {"START_TIME", "2026-01-12T10:00:00+03:00"},
                {"COMMUNICATIONS", {{{"TYPE", "PHONE"}, {"VALUE", "+79161234502"}}}}}}})["result"];
    auto todo = p.ok("crm.activity.todo.add", {{"ownerTypeId", 2},
                                               {"ownerId", 1},
                                               {"deadline", "2026-01-11T18:00:00+03:00"},
                                               {"title", "Подтвердить дату замера"}})["result"];
    CHECK(todo["id"] == id.get<int>() + 1);
    auto list = p.ok("crm.activity.list", {{"filter", {{"OWNER_TYPE_ID", 1}, {"OWNER_ID", 2}}}});
    REQUIRE(list["result"].size() == 1);
    CHECK(list["result"][0]["COMPLETED"] == "Y");
    CHECK(list["result"][0]["DEADLINE"] ==
          "2026-01-12T10:00:00+03:00");  // from START_TIME for calls
    CHECK_FALSE(list["result"][0].contains("COMMUNICATIONS"));
    auto bound = p.ok("crm.activity.list",
                      {{"filter", {{"BINDINGS", {{{"OWNER_TYPE_ID", 2}, {"OWNER_ID", 1}}}}}},
                       {"select", {"ID", "SUBJECT", "COMMUNICATIONS"}}});
    CHECK(bound["result"][0]["SUBJECT"] == "Подтвердить дату замера");
    p.ok("crm.activity.update", {{"id", todo["id"]}, {"fields", {{"COMPLETED", "Y"}}}});
    CHECK(p.ok("crm.activity.list", {{"filter", {{"ID", todo["id"]}}}})["result"][0]["STATUS"] ==
          "2");

    CHECK(p.call("crm.timeline.comment.add",
                 {{"FIELDS", {{"ENTITY_ID", 1}, {"ENTITY_TYPE", "deal"}, {"COMMENT", "x"}}}})
              .status == 400);
    auto cid = p.ok("crm.timeline.comment.add", {{"fields",
                                                  {{"ENTITY_ID", 1},
                                                   {"ENTITY_TYPE", "deal"},
                                                   {"COMMENT", "Замер через 40 дней"}}}})["result"];
    auto comments = p.ok("crm.timeline.comment.list",
                         {{"filter", {{"ENTITY_ID", 1}, {"ENTITY_TYPE", "deal"}}}})["result"];
    CHECK(comments[0]["COMMENT"] == "Замер через 40 дней");
    auto pinned = p.ok("crm.timeline.item.pin", {{"id", cid}, {"ownerTypeId", 2}, {"ownerId", 1}});
    CHECK(pinned["result"].is_null());
    CHECK(p.control("GET", "comments")["timeline"][0]["pinned"] == true);
}

TEST_CASE("emulator: users, absence, working day, notifications and call statistics",
          "[emulator]") {
    Portal p;
    p.load_demo();
    auto users = p.ok("user.get", {{"FILTER", {{"UF_DEPARTMENT", 1}}}})["result"];
    CHECK(users.size() == 8);
    CHECK(users[0]["ACTIVE"] == true);
    CHECK(users[0]["UF_DEPARTMENT"] == json::array({1}));
    CHECK(p.ok("im.user.get", {{"ID", 12}})["result"]["absent"] == false);
    p.emu.clock.set(at("2026-01-20T10:00:00+03:00"), true);
    CHECK(p.ok("im.user.get", {{"ID", 12}})["result"]["absent"] == "2026-01-31T00:00:00+03:00");
    CHECK(p.ok("timeman.status", {{"USER_ID", 10}})["result"]["STATUS"] == "OPENED");

    p.ok("im.notify.system.add", {{"USER_ID", 20}, {"MESSAGE", "Лид без звонка"}, {"TAG", "L1"}});
    p.ok("im.notify.system.add",
         {{"USER_ID", 20}, {"MESSAGE", "Лид без звонка (2)"}, {"TAG", "L1"}});
    p.ok("im.notify.personal.add", {{"USER_ID", 10}, {"MESSAGE", "Позвоните клиенту"}});
    auto notes = p.control("GET", "notifications");
    REQUIRE(notes.size() == 2);  // the TAG replaced the first one
    CHECK(notes[0]["message"] == "Лид без звонка (2)");
    CHECK(p.call("im.notify.system.add", {{"USER_ID", 20}}).body["error"] == "MESSAGE_EMPTY");

    p.emu.events.add_handler("http://127.0.0.1:9/h", {"ONVOXIMPLANTCALLEND"});
    p.control("POST", "act/call",
              {{"user_id", 11}, {"lead_id", 2}, {"answered", true}, {"duration", 95}});
    p.control("POST", "act/incoming-call", {{"user_id", 11}, {"phone", "+79161234503"}});
    auto stats = p.ok("voximplant.statistic.get",
                      {{"FILTER", {{"PORTAL_USER_ID", 11}}}, {"SORT", "ID"}, {"ORDER", "DESC"}});
    REQUIRE(stats["result"].size() == 2);
    CHECK(stats["result"][0]["CALL_FAILED_CODE"] == "304");
    CHECK(stats["result"][0]["CRM_ENTITY_ID"] == "3");
    CHECK(stats["result"][1]["CALL_DURATION"] == "95");
    CHECK(stats["result"][1]["PHONE_NUMBER"] == "+79161234502");
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 2);
    auto ev = decode_form(out[0].body);
    CHECK(ev["event"] == "ONVOXIMPLANTCALLEND");
    CHECK(ev["data"]["CALL_DURATION"] == "95");
    CHECK(ev["data"]["PORTAL_USER_ID"] == "11");
    auto acts =
        p.ok("crm.activity.list", {{"filter", {{"PROVIDER_ID", "VOXIMPLANT_CALL"}}}})["result"];
    CHECK(acts.size() == 2);
}

TEST_CASE("emulator: comment events carry the documented data shapes", "[emulator]") {
    Portal p;
    p.load_demo();
    p.emu.events.add_handler("http://127.0.0.1:9/h",
                             {"ONTASKCOMMENTADD", "ONCRMTIMELINECOMMENTADD"});
    p.ok("task.commentitem.add", {{"TASKID", 1}, {"FIELDS", {{"POST_MESSAGE", "Перезвонил"}}}});
    p.ok("crm.timeline.comment.add",
         {{"fields", {{"ENTITY_ID", 2}, {"ENTITY_TYPE", "lead"}, {"COMMENT", "Клиент думает"}}}});
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 2);
    auto task = decode_form(out[0].body);
    CHECK(task["data"]["FIELDS_AFTER"]["ID"] == "1");
    CHECK(task["data"]["FIELDS_AFTER"]["TASK_ID"] == "1");
    CHECK(task["data"]["FIELDS_BEFORE"] == "undefined");
    auto timeline = decode_form(out[1].body);
    CHECK(timeline["event"] == "ONCRMTIMELINECOMMENTADD");
    CHECK(timeline["data"]["ID"] == "1");  // no FIELDS wrapper
}

}  // namespace events_work_test
