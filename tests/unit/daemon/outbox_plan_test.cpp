// The outbox planner: every action kind becomes the exact Bitrix24 call of bitrix24.md §6
// (or a Wazzup message), texts carry the marker, creates carry their tag and a lookup.
#include <catch2/catch.hpp>

#include "daemon/outbox_plan.hpp"

namespace outbox_plan_test {

using namespace reglament;
using namespace reglament::daemon;
using bitrix::Idempotency;
using nlohmann::json;

namespace {

PlanSettings settings() {
    PlanSettings s;
    s.marker = "[Регламент]";
    s.wazzup_channel_id = "chan-1";
    s.time_zone = "Europe/Moscow";
    s.templates["Недозвон"] = {"{client_name}, не дозвонились", "", {}};
    s.templates["Пусто"] = {};
    return s;
}

store::NewAction row(std::string kind, json params, std::string key = "L4:lead:12:task") {
    store::NewAction a;
    a.idempotency_key = std::move(key);
    a.entity_key = "lead:12";
    a.rule_id = "L4";
    a.kind = std::move(kind);
    a.payload = json{{"params", std::move(params)}, {"reason", "нет задачи"}}.dump();
    return a;
}

ActionPlan plan(std::string kind, json params) {
    return plan_action(row(std::move(kind), std::move(params)), settings());
}

}  // namespace

TEST_CASE("outbox plan: task.add is a create tagged in XML_ID, with a lookup", "[daemon][outbox]") {
    auto p = plan("task.add", {{"title", "Позвонить"},
                               {"description", "Лид без задачи"},
                               {"responsible_id", 7},
                               {"deadline", "2026-03-02T09:00:00+03:00"},
                               {"priority", 2},
                               {"bindings", {"L_12"}}});
    REQUIRE(p.kind == PlanKind::bitrix);
    REQUIRE(p.calls.size() == 1);
    CHECK(p.calls[0].method == "tasks.task.add");
    CHECK(p.calls[0].idempotency == Idempotency::not_idempotent);
    const json& f = p.calls[0].params["fields"];
    CHECK(f["TITLE"] == "[Регламент] Позвонить");
    // The tag is hidden in XML_ID: the description is only what the manager reads.
    CHECK(f["DESCRIPTION"] == "[Регламент] Лид без задачи");
    CHECK(f["XML_ID"] == "reglament:L4:lead:12:task");
    CHECK(f["RESPONSIBLE_ID"] == 7);
    CHECK(f["DEADLINE"] == "2026-03-02T09:00:00+03:00");  // as the documents write it
    CHECK(f["PRIORITY"] == 2);
    CHECK(f["UF_CRM_TASK"] == json{"L_12"});
    REQUIRE(p.lookup);
    CHECK(p.lookup->call.method == "tasks.task.list");
    CHECK(p.lookup->call.idempotency == Idempotency::read);
    CHECK(p.lookup->call.params["filter"]["TITLE"] == "[Регламент] Позвонить");
    CHECK(p.lookup->call.params["filter"]["UF_CRM_TASK"] == "L_12");

    json found = {{"tasks",
                   {{{"id", "40"}, {"xmlId", "reglament:L4:lead:12:task0"}},
                    {{"id", "41"}, {"xmlId", "reglament:L4:lead:12:task"}},
                    {{"id", "42"}, {"xmlId", nullptr}}}}};
    CHECK(find_tagged(*p.lookup, found) == std::optional<std::string>("41"));
    CHECK_FALSE(find_tagged(*p.lookup, json{{"tasks", json::array()}}));
    CHECK(created_id("tasks.task.add", json{{"task", {{"id", 55}}}}) == "55");
}

TEST_CASE("outbox plan: updates are idempotent writes", "[daemon][outbox]") {
    auto tu = plan("task.update", {{"task_id", "40"}, {"fields", {{"DEADLINE", "x"}}}});
    CHECK(tu.calls[0].method == "tasks.task.update");
    CHECK(tu.calls[0].params == json{{"taskId", "40"}, {"fields", {{"DEADLINE", "x"}}}});
    CHECK(tu.calls[0].idempotency == Idempotency::idempotent);
    CHECK_FALSE(tu.lookup);

    auto tc = plan("task.complete", {{"task_id", 40}});
    CHECK(tc.calls[0].method == "tasks.task.complete");
    CHECK(tc.calls[0].params == json{{"taskId", 40}});

    auto lu = plan("lead.update", {{"lead_id", "12"}, {"fields", {{"STATUS_ID", "JUNK"}}}});
    CHECK(lu.calls[0].method == "crm.lead.update");
    CHECK(lu.calls[0].params == json{{"id", "12"}, {"fields", {{"STATUS_ID", "JUNK"}}}});
    CHECK(lu.calls[0].idempotency == Idempotency::idempotent);

    auto du = plan("deal.update", {{"deal_id", 3}, {"fields", {{"OPPORTUNITY", 10}}}});
    CHECK(du.calls[0].method == "crm.deal.update");
    CHECK(du.calls[0].params == json{{"id", 3}, {"fields", {{"OPPORTUNITY", 10}}}});

    auto dm = plan("deal.move", {{"deal_id", 3}, {"category_id", 1}, {"stage_id", "C1:NEW"}});
    CHECK(dm.calls[0].method == "crm.item.update");
    CHECK(dm.calls[0].params == json{{"entityTypeId", 2},
                                     {"id", 3},
                                     {"fields", {{"categoryId", 1}, {"stageId", "C1:NEW"}}}});
    CHECK(dm.calls[0].idempotency == Idempotency::idempotent);
}

TEST_CASE("outbox plan: comments, to-dos and notifications", "[daemon][outbox]") {
    auto n = plan("notify", {{"user_id", 5}, {"message", "Лид 12 без задачи"}});
    CHECK(n.calls[0].method == "im.notify.system.add");
    CHECK(n.calls[0].params == json{{"USER_ID", 5}, {"MESSAGE", "[Регламент] Лид 12 без задачи"}});
    CHECK_FALSE(n.lookup);  // notifications cannot be looked up: resent when unknown

    auto tcm = plan("task.comment", {{"task_id", 40}, {"text", "Срок прошёл"}});
    CHECK(tcm.calls[0].method == "task.commentitem.add");
    CHECK(tcm.calls[0].params["TASKID"] == 40);
    CHECK(tcm.calls[0].params["FIELDS"]["POST_MESSAGE"] ==
          "[Регламент] Срок прошёл\n\nreglament:L4:lead:12:task");
    REQUIRE(tcm.lookup);
    CHECK(tcm.lookup->call.method == "task.commentitem.getlist");
    CHECK(find_tagged(
              *tcm.lookup,
              json::array({{{"ID", "9"}, {"POST_MESSAGE", "a\n\nreglament:L4:lead:12:task"}}})) ==
          std::optional<std::string>("9"));

    auto tl =
        plan("timeline.comment",
             {{"entity_type", "deal"}, {"entity_id", 3}, {"text", "Сделка стоит"}, {"pin", true}});
    REQUIRE(tl.calls.size() == 2);
    CHECK(tl.calls[0].method == "crm.timeline.comment.add");
    CHECK(tl.calls[0].params["fields"] ==
          json{{"ENTITY_ID", 3},
               {"ENTITY_TYPE", "deal"},
               {"COMMENT", "[Регламент] Сделка стоит\n\nreglament:L4:lead:12:task"}});
    CHECK(tl.calls[1].method == "crm.timeline.item.pin");
    auto pin = with_created_id(tl.calls[1], "77");
    CHECK(pin.params == json{{"id", 77}, {"ownerTypeId", 2}, {"ownerId", 3}});
    REQUIRE(tl.lookup);
    CHECK(tl.lookup->call.method == "crm.timeline.comment.list");
    CHECK(tl.lookup->call.params["filter"] == json{{"ENTITY_ID", 3}, {"ENTITY_TYPE", "deal"}});
    auto unpinned =
        plan("timeline.comment", {{"entity_type", "lead"}, {"entity_id", 3}, {"text", "x"}});
    CHECK(unpinned.calls.size() == 1);

    auto todo = plan("activity.todo", {{"owner_type_id", 1},
                                       {"owner_id", 12},
                                       {"deadline", "2026-03-02T10:00:00Z"},
                                       {"title", "Перезвонить"},
                                       {"description", "Клиент просил"},
                                       {"responsible_id", 7}});
    CHECK(todo.calls[0].method == "crm.activity.todo.add");
    CHECK(todo.calls[0].params ==
          json{{"ownerTypeId", 1},
               {"ownerId", 12},
               {"deadline", "2026-03-02T13:00:00+03:00"},
               {"title", "[Регламент] Перезвонить"},
               {"description", "[Регламент] Клиент просил\n\nreglament:L4:lead:12:task"},
               {"responsibleId", 7}});
    REQUIRE(todo.lookup);
    CHECK(todo.lookup->call.method == "crm.activity.list");
    CHECK(created_id("crm.activity.todo.add", json{{"id", 31}}) == "31");
    CHECK(created_id("crm.timeline.comment.add", json(8)) == "8");
}

TEST_CASE("outbox plan: the marker is not doubled", "[daemon][outbox]") {
    CHECK(with_marker("[Регламент]", "[Регламент] уже") == "[Регламент] уже");
    CHECK(with_marker("", "текст") == "текст");
    // A quoted title of the daemon's own task: the marker once, at the start.
    CHECK(with_marker("[Регламент]", "Задача «[Регламент] Перезвонить» просрочена.") ==
          "[Регламент] Задача «Перезвонить» просрочена.");
    CHECK(with_marker("[Р]", "текст") == "[Р] текст");
}

TEST_CASE("outbox plan: Wazzup sends and journal notes", "[daemon][outbox]") {
    auto w = plan_action(row("wazzup.send",
                             {{"phone", "8 (912) 345-67-89"},
                              {"template", "Недозвон"},
                              {"values", {{"client_name", "Анна"}}}},
                             "L5:lead:12:msg1"),
                         settings());
    REQUIRE(w.kind == PlanKind::wazzup);
    CHECK_FALSE(w.skip);
    CHECK(w.message.chat_id == "79123456789");
    CHECK(w.message.channel_id == "chan-1");
    CHECK(w.message.content.text == "Анна, не дозвонились");  // to the client: no marker
    CHECK(w.message.idempotency_key == "L5:lead:12:msg1");

    auto empty = plan("wazzup.send", {{"phone", "79123456789"}, {"template", "Пусто"}});
    CHECK(empty.kind == PlanKind::wazzup);
    CHECK(empty.skip);

    auto missing = plan("wazzup.send", {{"phone", "79123456789"}, {"template", "Нет такого"}});
    CHECK(missing.kind == PlanKind::invalid);
    CHECK(missing.error.find("Нет такого") != std::string::npos);

    auto note = plan("journal.note", {{"text", "каденция остановлена"}});
    CHECK(note.kind == PlanKind::journal);
    CHECK(note.note == "каденция остановлена");
}

TEST_CASE("outbox plan: params it cannot carry out are named", "[daemon][outbox]") {
    auto p = plan("task.add", {{"title", "x"}});
    CHECK(p.kind == PlanKind::invalid);
    CHECK(p.error.find("responsible_id") != std::string::npos);
    CHECK(plan("task.add", {{"title", "x"}, {"responsible_id", 1}, {"deadline", "завтра"}}).kind ==
          PlanKind::invalid);
    CHECK(plan("lead.update", {{"lead_id", 1}, {"fields", json::object()}}).kind ==
          PlanKind::invalid);
    CHECK(plan("fly.away", json::object()).kind == PlanKind::invalid);
    CHECK(plan("timeline.comment", {{"entity_type", "contact"}, {"entity_id", 1}, {"text", "x"}})
              .kind == PlanKind::invalid);
}

TEST_CASE("outbox plan: recovery after a failure and the backoff", "[daemon][outbox]") {
    CHECK(recovery_for({"OUTCOME_UNKNOWN", "", 0}) == Recovery::unknown);
    CHECK(recovery_for({"QUERY_LIMIT_EXCEEDED", "", 503}) == Recovery::retry);
    CHECK(recovery_for({"TRANSPORT_ERROR", "", 0}) == Recovery::retry);
    CHECK(recovery_for({"INTERNAL_SERVER_ERROR", "", 500}) == Recovery::retry);
    CHECK(recovery_for({"ACCESS_DENIED", "", 403}) == Recovery::fail);
    CHECK(recovery_for({"ERROR_CORE", "Task not found", 400}) == Recovery::fail);

    Backoff b;
    using namespace std::chrono_literals;
    CHECK(backoff_after(1, b) == 5s);
    CHECK(backoff_after(2, b) == 10s);
    CHECK(backoff_after(4, b) == 40s);
    CHECK(backoff_after(8, b) == 10min);
    CHECK(backoff_after(100, b) == 10min);
}

TEST_CASE("outbox plan: settings come from the config", "[daemon][outbox]") {
    config::Config c;
    c.portal.marker = "[R]";
    config::Wazzup w;
    w.channel_id = "ch";
    w.templates["Игнор"] = {"текст", "", {}};
    c.wazzup = w;
    auto s = plan_settings(c);
    CHECK(s.marker == "[R]");
    CHECK(s.wazzup_channel_id == "ch");
    CHECK(s.templates.count("Игнор") == 1);
    CHECK(s.time_zone == "Europe/Moscow");
}

TEST_CASE("outbox plan: times the daemon writes are local with their offset, never Z",
          "[daemon][outbox]") {
    // H3 restores a postponed deadline as the rule wrote it, in UTC.
    auto tu = plan(
        "task.update",
        {{"task_id", "40"}, {"fields", {{"DEADLINE", "2026-03-02T15:00:00Z"}, {"TITLE", "Z"}}}});
    CHECK(tu.calls[0].params["fields"] ==
          json{{"DEADLINE", "2026-03-02T18:00:00+03:00"}, {"TITLE", "Z"}});
    auto lu = plan(
        "lead.update",
        {{"lead_id", "12"},
         {"fields",
          {{"UF_CRM_MEETING_DATE", "2026-03-05"}, {"UF_CRM_NEXT", "2026-03-05T07:30:00.000Z"}}}});
    CHECK(lu.calls[0].params["fields"] == json{{"UF_CRM_MEETING_DATE", "2026-03-05"},
                                               {"UF_CRM_NEXT", "2026-03-05T10:30:00+03:00"}});
    auto s = settings();
    s.time_zone.clear();
    auto utc = plan_action(
        row("task.add",
            {{"title", "x"}, {"responsible_id", 7}, {"deadline", "2026-03-02T09:00:00+03:00"}}),
        s);
    CHECK(utc.calls[0].params["fields"]["DEADLINE"] == "2026-03-02T06:00:00+00:00");
}

}  // namespace outbox_plan_test
