// REST answers as bitrix24.md §6 documents them and as the emulated portal renders them
// (emulator/portal_crm.cpp, portal_work.cpp), through the model, into snapshots and back.
#include <catch2/catch.hpp>

#include "daemon/entity_model.hpp"
#include "rules/iso_time.hpp"
#include "tests/unit/emulator/fixture.hpp"

namespace entity_model_test {

using namespace reglament;
using daemon::entity_from_rest;
using daemon::entity_from_snapshot;
using daemon::entity_read;
using daemon::same_entity;
using daemon::snapshot_of;
using nlohmann::json;
using rules::EntityRef;

namespace {

TimePoint at(const char* iso) {
    auto t = parse_iso8601(iso);
    REQUIRE(t);
    return *t;
}

std::vector<store::SnapshotTerm> sorted(std::vector<store::SnapshotTerm> t) {
    std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) {
        return std::tie(a.name, a.value) < std::tie(b.name, b.value);
    });
    return t;
}

// crm.lead.get: legacy keys, string ids, multifields, user fields (the emulator adds the
// bookkeeping HAS_PHONE / MODIFY_BY_ID and the lead's OPPORTUNITY).
const json legacy_lead = json::parse(R"({
    "ID": "12", "TITLE": "Заявка с сайта", "NAME": "Иван", "LAST_NAME": "Петров",
    "STATUS_ID": "IN_PROCESS", "STATUS_SEMANTIC_ID": "P", "SOURCE_ID": "WEB",
    "ASSIGNED_BY_ID": "15", "CREATED_BY_ID": "1", "MODIFY_BY_ID": "15",
    "DATE_CREATE": "2026-03-02T09:00:00+03:00", "DATE_MODIFY": "2026-03-02T09:30:00+03:00",
    "MOVED_TIME": "2026-03-02T09:10:00+03:00", "HAS_PHONE": "Y", "HAS_EMAIL": "Y",
    "OPPORTUNITY": "0.00", "COMMENTS": "",
    "PHONE": [{"ID": "11658", "VALUE_TYPE": "MOBILE", "VALUE": "8 (916) 123-45-67", "TYPE_ID": "PHONE"},
              {"ID": "11659", "VALUE_TYPE": "WORK", "VALUE": "+7 916 123 45 67", "TYPE_ID": "PHONE"},
              {"ID": "11660", "VALUE_TYPE": "OTHER", "VALUE": "+7 495 000-11-22", "TYPE_ID": "PHONE"}],
    "EMAIL": [{"ID": "11661", "VALUE_TYPE": "WORK", "VALUE": "Ivan.Petrov@Example.COM", "TYPE_ID": "EMAIL"}],
    "IM": [{"ID": "11662", "VALUE_TYPE": "TELEGRAM", "VALUE": "@ivan", "TYPE_ID": "IM"}],
    "UF_CRM_MEETING_DATE": "2026-03-05T10:00:00+03:00",
    "UF_CRM_QUALIFIED": "1",
    "UF_CRM_TAGS": ["a", "b"]
})");

}  // namespace

TEST_CASE("entity_read: the REST read per entity type, nothing for the rest", "[entity_model]") {
    auto lead = entity_read({"lead", "12"});
    REQUIRE(lead);
    CHECK(lead->method == "crm.lead.get");
    CHECK(lead->params == json{{"id", "12"}});

    auto deal = entity_read({"deal", "7"});
    REQUIRE(deal);
    CHECK(deal->method == "crm.deal.get");
    CHECK(deal->params == json{{"id", "7"}});

    auto task = entity_read({"task", "40"});
    REQUIRE(task);
    CHECK(task->method == "tasks.task.get");
    CHECK(task->params["taskId"] == "40");
    const auto& select = task->params["select"];
    for (const char* f : {"ID", "TITLE", "DESCRIPTION", "RESPONSIBLE_ID", "CREATED_BY", "STATUS",
                          "PRIORITY", "DEADLINE", "CREATED_DATE", "CHANGED_DATE", "CLOSED_DATE",
                          "COMMENTS_COUNT", "UF_CRM_TASK"})
        CHECK(std::find(select.begin(), select.end(), f) != select.end());

    auto activity = entity_read({"activity", "9"});
    REQUIRE(activity);
    CHECK(activity->method == "crm.activity.list");
    CHECK(activity->params["filter"] == json{{"ID", "9"}});
    CHECK(activity->params["select"] == json{"*", "COMMUNICATIONS"});

    for (const char* type : {"chat", "call", "global", "wazzup_message", "contact"})
        CHECK_FALSE(entity_read({type, "1"}));
}

TEST_CASE("legacy lead: members, multifields, every other field by code", "[entity_model]") {
    auto entity = entity_from_rest({"lead", "12"}, legacy_lead);
    auto* lead = std::get_if<rules::Lead>(&entity);
    REQUIRE(lead);
    CHECK(lead->id == "12");
    CHECK(lead->title == "Заявка с сайта");
    CHECK(lead->name == "Иван");
    CHECK(lead->last_name == "Петров");
    CHECK(lead->status_id == "IN_PROCESS");
    CHECK(lead->status_semantic == "P");
    CHECK(lead->source_id == "WEB");
    CHECK(lead->assigned_by_id == "15");
    CHECK(lead->phones ==
          std::vector<std::string>{"8 (916) 123-45-67", "+7 916 123 45 67", "+7 495 000-11-22"});
    CHECK(lead->emails == std::vector<std::string>{"Ivan.Petrov@Example.COM"});
    CHECK(lead->created == at("2026-03-02T06:00:00Z"));
    CHECK(lead->modified == at("2026-03-02T06:30:00Z"));
    CHECK(lead->moved == at("2026-03-02T06:10:00Z"));

    CHECK(lead->fields["UF_CRM_MEETING_DATE"] == "2026-03-05T10:00:00+03:00");
    CHECK(lead->fields["UF_CRM_QUALIFIED"] == "1");
    CHECK(lead->fields["UF_CRM_TAGS"] == json{"a", "b"});
    CHECK(lead->fields["IM"][0]["VALUE"] == "@ivan");
    CHECK(lead->fields["CREATED_BY_ID"] == "1");
    CHECK(lead->fields["OPPORTUNITY"] == "0.00");
    // Members are not repeated, and the portal's bookkeeping is left out.
    for (const char* key : {"ID", "TITLE", "STATUS_ID", "PHONE", "EMAIL", "DATE_MODIFY",
                            "MODIFY_BY_ID", "HAS_PHONE", "HAS_EMAIL"})
        CHECK_FALSE(lead->fields.contains(key));
}

TEST_CASE("crm.item-style camelCase deal: legacy codes for the user fields", "[entity_model]") {
    const json item = json::parse(R"({"item": {
        "id": 7, "title": "Кухня", "categoryId": 1, "stageId": "C1:PREPARATION",
        "stageSemanticId": "P", "closed": "N", "opportunity": 125000.5, "currencyId": "RUB",
        "assignedById": 15, "leadId": 12, "contactId": null, "updatedBy": 15,
        "createdTime": "2026-03-02T10:00:00+02:00", "updatedTime": "2026-03-03T10:00:00+00:00",
        "movedTime": "2026-03-03T09:00:00Z",
        "ufCrmMeasureDate": "2026-03-10", "ufCrm5_1234": "x", "ufCrmVideoAllowed": true
    }})");
    auto entity = entity_from_rest({"deal", "7"}, item);
    auto* deal = std::get_if<rules::Deal>(&entity);
    REQUIRE(deal);
    CHECK(deal->id == "7");
    CHECK(deal->title == "Кухня");
    CHECK(deal->category_id == "1");
    CHECK(deal->stage_id == "C1:PREPARATION");
    CHECK(deal->stage_semantic == "P");
    CHECK_FALSE(deal->closed);
    CHECK(deal->opportunity == Approx(125000.5));
    CHECK(deal->assigned_by_id == "15");
    CHECK(deal->lead_id == "12");
    CHECK(deal->contact_id.empty());
    CHECK(deal->created == at("2026-03-02T08:00:00Z"));
    CHECK(deal->modified == at("2026-03-03T10:00:00Z"));
    CHECK(deal->moved == at("2026-03-03T09:00:00Z"));
    CHECK(deal->fields["UF_CRM_MEASURE_DATE"] == "2026-03-10");
    CHECK(deal->fields["UF_CRM_5_1234"] == "x");
    CHECK(deal->fields["UF_CRM_VIDEO_ALLOWED"] == true);
    CHECK(deal->fields["CURRENCY_ID"] == "RUB");
    for (const char* key : {"STAGE_ID", "CLOSED", "OPPORTUNITY", "LEAD_ID", "MODIFY_BY_ID"})
        CHECK_FALSE(deal->fields.contains(key));

    // The legacy crm.deal.get of the same deal: the default funnel's "0", CLOSED "Y".
    auto legacy = entity_from_rest({"deal", "8"}, json{{"ID", "8"},
                                                       {"CATEGORY_ID", "0"},
                                                       {"STAGE_ID", "WON"},
                                                       {"STAGE_SEMANTIC_ID", "S"},
                                                       {"CLOSED", "Y"},
                                                       {"OPPORTUNITY", "900.00"},
                                                       {"LEAD_ID", nullptr},
                                                       {"UF_CRM_CONTRACT_NUMBER", "Д-17"}});
    auto* won = std::get_if<rules::Deal>(&legacy);
    REQUIRE(won);
    CHECK(won->category_id == "0");
    CHECK(won->closed);
    CHECK(won->opportunity == Approx(900));
    CHECK(won->lead_id.empty());
    CHECK(won->fields == json{{"UF_CRM_CONTRACT_NUMBER", "Д-17"}});
}

TEST_CASE("crm.item lead: stageId is the status, fm carries phones and IM", "[entity_model]") {
    const json item = json::parse(R"({"item": {
        "id": 30, "title": "Звонок", "stageId": "NEW", "stageSemanticId": "P", "name": "Анна",
        "lastName": "Смирнова", "assignedById": 16, "ufCrmMeetingDate": "",
        "fm": [{"id": 1, "typeId": "PHONE", "valueType": "WORK", "value": "+79161112233"},
               {"id": 2, "typeId": "EMAIL", "valueType": "WORK", "value": "a@b.ru"},
               {"id": 3, "typeId": "WEB", "valueType": "WORK", "value": "b.ru"}]
    }})");
    auto entity = entity_from_rest({"lead", "30"}, item);
    auto* lead = std::get_if<rules::Lead>(&entity);
    REQUIRE(lead);
    CHECK(lead->status_id == "NEW");
    CHECK(lead->status_semantic == "P");
    CHECK(lead->last_name == "Смирнова");
    CHECK(lead->phones == std::vector<std::string>{"+79161112233"});
    CHECK(lead->emails == std::vector<std::string>{"a@b.ru"});
    CHECK(lead->fields["WEB"][0]["VALUE"] == "b.ru");
    CHECK(lead->fields["UF_CRM_MEETING_DATE"] == "");
    CHECK_FALSE(lead->fields.contains("STATUS_ID"));
    CHECK_FALSE(lead->fields.contains("FM"));
}

TEST_CASE("tasks.task.get: camelCase output, ufCrmTask, deadline with an offset",
          "[entity_model]") {
    // What the emulator renders for the select of entity_read (string values, like the portal).
    const json result = json::parse(R"({"task": {
        "id": "40", "title": "Позвонить клиенту", "description": "Уточнить адрес",
        "responsibleId": "15", "createdBy": "1", "status": "3", "realStatus": "3",
        "priority": "2", "deadline": "2026-03-02T18:00:00+03:00",
        "createdDate": "2026-03-02T09:00:00+03:00", "changedDate": "2026-03-02T09:05:00+03:00",
        "closedDate": null, "commentsCount": "4", "ufCrmTask": ["L_12", "D_7"]
    }})");
    auto entity = entity_from_rest({"task", "40"}, result);
    auto* task = std::get_if<rules::Task>(&entity);
    REQUIRE(task);
    CHECK(task->id == "40");
    CHECK(task->title == "Позвонить клиенту");
    CHECK(task->description == "Уточнить адрес");
    CHECK(task->responsible_id == "15");
    CHECK(task->created_by == "1");
    CHECK(task->status == 3);
    CHECK(task->open());
    CHECK(task->priority == 2);
    CHECK(task->deadline == at("2026-03-02T15:00:00Z"));
    CHECK(task->created == at("2026-03-02T06:00:00Z"));
    CHECK(task->changed == at("2026-03-02T06:05:00Z"));
    CHECK_FALSE(task->closed);
    CHECK(task->comments_count == 4);
    CHECK(task->crm_bindings == std::vector<std::string>{"L_12", "D_7"});

    // A task without CRM bindings: the portal answers ufCrmTask false.
    auto bare = entity_from_rest(
        {"task", "41"}, json{{"task", {{"id", "41"}, {"status", "5"}, {"ufCrmTask", false}}}});
    auto* done = std::get_if<rules::Task>(&bare);
    REQUIRE(done);
    CHECK(done->crm_bindings.empty());
    CHECK_FALSE(done->open());
}

TEST_CASE("activity with COMMUNICATIONS, from crm.activity.list rows or crm.activity.get",
          "[entity_model]") {
    const json row = json::parse(R"({
        "ID": "9", "OWNER_TYPE_ID": "1", "OWNER_ID": "12", "TYPE_ID": "2",
        "PROVIDER_ID": "VOXIMPLANT_CALL", "PROVIDER_TYPE_ID": "CALL", "SUBJECT": "Исходящий звонок",
        "RESPONSIBLE_ID": "15", "DIRECTION": "2", "COMPLETED": "N", "STATUS": "1",
        "START_TIME": "2026-03-02T10:00:00+03:00", "END_TIME": "2026-03-02T10:05:00+03:00",
        "DEADLINE": "2026-03-02T10:00:00+03:00",
        "COMMUNICATIONS": [{"ID": "1", "TYPE": "PHONE", "VALUE": "+7 916 123-45-67",
                            "ENTITY_ID": "12", "ENTITY_TYPE_ID": "1"},
                           {"ID": "2", "TYPE": "EMAIL", "VALUE": "x@y.ru"}]
    })");
    auto check = [](const rules::Entity& entity) {
        auto* a = std::get_if<rules::Activity>(&entity);
        REQUIRE(a);
        CHECK(a->id == "9");
        CHECK(a->owner_type_id == 1);
        CHECK(a->owner_id == "12");
        CHECK(a->type_id == 2);
        CHECK(a->direction == 2);
        CHECK_FALSE(a->completed);
        CHECK(a->subject == "Исходящий звонок");
        CHECK(a->responsible_id == "15");
        CHECK(a->provider_id == "VOXIMPLANT_CALL");
        CHECK(a->start == at("2026-03-02T07:00:00Z"));
        CHECK(a->end == at("2026-03-02T07:05:00Z"));
        CHECK(a->deadline == at("2026-03-02T07:00:00Z"));
        CHECK(a->phones == std::vector<std::string>{"+7 916 123-45-67"});
    };
    check(entity_from_rest({"activity", "9"}, row));
    check(entity_from_rest({"activity", "9"}, json::array({row})));
    // A list row of another id is not the activity asked for.
    CHECK(std::holds_alternative<std::monostate>(
        entity_from_rest({"activity", "10"}, json::array({row}))));

    json done = row;
    done["COMPLETED"] = "Y";
    auto completed = entity_from_rest({"activity", "9"}, done);
    REQUIRE(std::get_if<rules::Activity>(&completed));
    CHECK(std::get<rules::Activity>(completed).completed);
}

// The answer of crm.timeline.comment.get (D crm-timeline-comment-get.md), read after the
// comment's ONCRMTIMELINECOMMENTADD {ID}: the owner becomes a term D6, D7 and R3 look it up by.
TEST_CASE("timeline comment: read by id, kept under its owner", "[entity_model]") {
    auto read = entity_read({"timeline_comment", "999"});
    REQUIRE(read);
    CHECK(read->method == "crm.timeline.comment.get");
    CHECK(read->params == json{{"id", "999"}});

    const json answer = json::parse(R"({
        "ID": "999", "CREATED": "2026-03-02T10:15:00+03:00", "ENTITY_ID": "7",
        "ENTITY_TYPE": "deal", "AUTHOR_ID": "11", "COMMENT": "Клиент отказался: дорого",
        "FILES": []
    })");
    auto entity = entity_from_rest({"timeline_comment", "999"}, answer);
    auto* c = std::get_if<rules::TimelineComment>(&entity);
    REQUIRE(c);
    CHECK(c->id == "999");
    CHECK(c->owner_type == "deal");
    CHECK(c->owner_id == "7");
    CHECK(c->author_id == "11");
    CHECK(c->text == "Клиент отказался: дорого");
    CHECK(c->created == at("2026-03-02T07:15:00Z"));
    CHECK_FALSE(c->pinned);

    auto snap = snapshot_of({"timeline_comment", "999"}, entity, at("2026-03-02T07:16:00Z"));
    CHECK(snap.terms == std::vector<store::SnapshotTerm>{{"comment.owner", "deal:7"}});
    auto back = entity_from_snapshot({"timeline_comment", "999"}, snap.json);
    CHECK(same_entity(back, entity));
    CHECK(std::holds_alternative<std::monostate>(
        entity_from_rest({"timeline_comment", "999"}, json(false))));
}

TEST_CASE("empty results are a gone entity — unknown types have no model", "[entity_model]") {
    for (const auto& empty : {json(nullptr), json(""), json(false), json::array(), json::object(),
                              json{{"task", json::array()}}, json{{"item", nullptr}}}) {
        for (const char* type : {"lead", "deal", "task", "activity"})
            CHECK(std::holds_alternative<std::monostate>(entity_from_rest({type, "1"}, empty)));
    }
    CHECK(std::holds_alternative<std::monostate>(
        entity_from_rest({"chat", "79161234567"}, json{{"ID", "1"}})));
}

TEST_CASE("snapshots: every field survives the round trip, and terms", "[entity_model]") {
    const TimePoint now = at("2026-03-02T07:00:00Z");

    SECTION("lead: normalised phones (once each), lower-cased e-mail") {
        EntityRef ref{"lead", "12"};
        auto lead = entity_from_rest(ref, legacy_lead);
        auto snap = snapshot_of(ref, lead, now);
        CHECK(snap.entity_key == "lead:12");
        CHECK(snap.updated_at == now);
        CHECK(sorted(snap.terms) ==
              std::vector<store::SnapshotTerm>{{"lead.email", "ivan.petrov@example.com"},
                                               {"lead.phone", "74950001122"},
                                               {"lead.phone", "79161234567"}});
        auto back = entity_from_snapshot(ref, snap.json);
        CHECK(same_entity(lead, back));
        CHECK(json::parse(snap.json) == json(std::get<rules::Lead>(back)));
        CHECK(std::get<rules::Lead>(back).fields == std::get<rules::Lead>(lead).fields);
    }
    SECTION("deal: its lead") {
        EntityRef ref{"deal", "7"};
        auto deal = entity_from_rest(ref, json{{"ID", "7"},
                                               {"LEAD_ID", "12"},
                                               {"OPPORTUNITY", "10.5"},
                                               {"CLOSED", "Y"},
                                               {"MOVED_TIME", "2026-03-02T09:10:00+03:00"},
                                               {"UF_CRM_X", {1, 2}}});
        auto snap = snapshot_of(ref, deal, now);
        CHECK(snap.terms == std::vector<store::SnapshotTerm>{{"deal.lead", "12"}});
        auto back = entity_from_snapshot(ref, snap.json);
        CHECK(same_entity(deal, back));
        auto& d = std::get<rules::Deal>(back);
        CHECK(d.opportunity == Approx(10.5));
        CHECK(d.closed);
        CHECK(d.moved == at("2026-03-02T06:10:00Z"));
        CHECK(d.fields["UF_CRM_X"] == json{1, 2});
        // No lead, no term.
        CHECK(snapshot_of(ref, rules::Deal{}, now).terms.empty());
    }
    SECTION("task: each binding") {
        EntityRef ref{"task", "40"};
        rules::Task t;
        t.id = "40";
        t.title = "Перезвонить";
        t.description = "—";
        t.status = 4;
        t.priority = 0;
        t.comments_count = 2;
        t.deadline = at("2026-03-02T15:00:00Z");
        t.closed = at("2026-03-02T16:00:00Z");
        t.crm_bindings = {"L_12", "D_7"};
        auto snap = snapshot_of(ref, t, now);
        CHECK(sorted(snap.terms) ==
              std::vector<store::SnapshotTerm>{{"task.binding", "D_7"}, {"task.binding", "L_12"}});
        auto back = entity_from_snapshot(ref, snap.json);
        CHECK(same_entity(t, back));
        CHECK(std::get<rules::Task>(back).closed == t.closed);
    }
    SECTION("activity: its owner as an entity key") {
        rules::Activity a;
        a.id = "9";
        a.owner_type_id = 2;
        a.owner_id = "7";
        a.phones = {"+79161234567"};
        a.deadline = at("2026-03-02T15:00:00Z");
        auto snap = snapshot_of({"activity", "9"}, a, now);
        CHECK(snap.terms == std::vector<store::SnapshotTerm>{{"activity.owner", "deal:7"}});
        CHECK(same_entity(a, entity_from_snapshot({"activity", "9"}, snap.json)));
        a.owner_type_id = 1;
        CHECK(snapshot_of({"activity", "9"}, a, now).terms ==
              std::vector<store::SnapshotTerm>{{"activity.owner", "lead:7"}});
    }
    SECTION("gone: null, no terms") {
        auto snap = snapshot_of({"lead", "1"}, std::monostate{}, now);
        CHECK(snap.json == "null");
        CHECK(snap.terms.empty());
        CHECK(std::holds_alternative<std::monostate>(entity_from_snapshot({"lead", "1"}, "null")));
        CHECK(std::holds_alternative<std::monostate>(entity_from_snapshot({"lead", "1"}, "")));
    }
    SECTION("a snapshot that is not one is an error") {
        CHECK_THROWS_AS(entity_from_snapshot({"lead", "1"}, "{"), std::invalid_argument);
        CHECK_THROWS_AS(entity_from_snapshot({"task", "1"}, R"({"deadline": 5})"),
                        std::invalid_argument);
    }
}

TEST_CASE("same_entity: equal as the rules see them", "[entity_model]") {
    rules::Lead a;
    a.id = "1";
    a.status_id = "NEW";
    rules::Lead b = a;
    CHECK(same_entity(a, b));
    b.fields["UF_CRM_X"] = "1";
    CHECK_FALSE(same_entity(a, b));
    rules::Deal d;
    d.id = "1";
    CHECK_FALSE(same_entity(a, d));
    CHECK(same_entity(std::monostate{}, std::monostate{}));
    CHECK_FALSE(same_entity(std::monostate{}, a));

    // The portal's bookkeeping changing alone is no change for the rules.
    json touched = legacy_lead;
    touched["MODIFY_BY_ID"] = "1";
    touched["HAS_PHONE"] = "N";
    CHECK(same_entity(entity_from_rest({"lead", "12"}, legacy_lead),
                      entity_from_rest({"lead", "12"}, touched)));
}

TEST_CASE("call_from_rest: a voximplant.statistic.get row", "[entity_model]") {
    auto c = daemon::call_from_rest(json::parse(R"({
        "ID": "5", "CALL_ID": "externalCall.1", "PORTAL_USER_ID": "15", "PHONE_NUMBER": "+79161234567",
        "CALL_TYPE": "1", "CALL_DURATION": "42", "CALL_START_DATE": "2026-03-02T10:00:00+03:00",
        "CALL_FAILED_CODE": "200", "CRM_ENTITY_TYPE": "LEAD", "CRM_ENTITY_ID": "12",
        "CRM_ACTIVITY_ID": "9"})"));
    CHECK(c.call_id == "externalCall.1");
    CHECK(c.type == 1);
    CHECK(c.outgoing());
    CHECK(c.answered());
    CHECK(c.phone == "+79161234567");
    CHECK(c.portal_user_id == "15");
    CHECK(c.duration_seconds == 42);
    CHECK(c.start == at("2026-03-02T07:00:00Z"));
    CHECK(c.crm_entity_type == "LEAD");
    CHECK(c.crm_entity_id == "12");
    CHECK(c.crm_activity_id == "9");
}

TEST_CASE("the emulated portal's answers to entity_read, through the model", "[entity_model]") {
    emu_test::Portal p;
    auto read = [&](const EntityRef& ref) {
        auto r = entity_read(ref);
        REQUIRE(r);
        return entity_from_rest(ref, p.ok(r->method, r->params)["result"]);
    };
    auto id_of = [](const json& body) {
        const json& r = body["result"];
        return r.is_object() ? r["id"].dump() : r.dump();
    };

    std::string lead_id = id_of(p.ok(
        "crm.lead.add", {{"fields",
                          {{"TITLE", "Заявка"},
                           {"NAME", "Иван"},
                           {"STATUS_ID", "NEW"},
                           {"ASSIGNED_BY_ID", 15},
                           {"UF_CRM_MEETING_DATE", "2026-01-15T10:00:00+03:00"},
                           {"PHONE", {{{"VALUE", "8 916 123-45-67"}, {"VALUE_TYPE", "MOBILE"}}}},
                           {"EMAIL", {{{"VALUE", "A@B.RU"}, {"VALUE_TYPE", "WORK"}}}}}}}));
    auto lead_entity = read({"lead", lead_id});
    auto* lead = std::get_if<rules::Lead>(&lead_entity);
    REQUIRE(lead);
    CHECK(lead->id == lead_id);
    CHECK(lead->name == "Иван");
    CHECK(lead->status_id == "NEW");
    CHECK(lead->status_semantic == "P");
    CHECK(lead->assigned_by_id == "15");
    CHECK(lead->phones == std::vector<std::string>{"8 916 123-45-67"});
    CHECK(lead->created == at("2026-01-12T06:00:00Z"));
    CHECK(lead->fields["UF_CRM_MEETING_DATE"] == "2026-01-15T10:00:00+03:00");
    CHECK(
        sorted(snapshot_of({"lead", lead_id}, lead_entity, {}).terms) ==
        std::vector<store::SnapshotTerm>{{"lead.email", "a@b.ru"}, {"lead.phone", "79161234567"}});

    std::string deal_id = id_of(
        p.ok("crm.deal.add",
             {{"fields", {{"TITLE", "Кухня"}, {"LEAD_ID", lead_id}, {"OPPORTUNITY", 1500}}}}));
    auto deal_entity = read({"deal", deal_id});
    auto* deal = std::get_if<rules::Deal>(&deal_entity);
    REQUIRE(deal);
    CHECK(deal->lead_id == lead_id);
    CHECK(deal->category_id == "0");
    CHECK(deal->opportunity == Approx(1500));
    CHECK_FALSE(deal->stage_id.empty());

    std::string task_id =
        p.ok("tasks.task.add", {{"fields",
                                 {{"TITLE", "Позвонить"},
                                  {"DESCRIPTION", "Уточнить"},
                                  {"RESPONSIBLE_ID", 15},
                                  {"DEADLINE", "2026-01-12T18:00:00+03:00"},
                                  {"UF_CRM_TASK", {"L_" + lead_id}}}}})["result"]["task"]["id"]
            .get<std::string>();
    p.ok("task.commentitem.add", {{"TASKID", task_id}, {"FIELDS", {{"POST_MESSAGE", "ok"}}}});
    auto task_entity = read({"task", task_id});
    auto* task = std::get_if<rules::Task>(&task_entity);
    REQUIRE(task);
    CHECK(task->title == "Позвонить");
    CHECK(task->description == "Уточнить");
    CHECK(task->status == 2);
    CHECK(task->deadline == at("2026-01-12T15:00:00Z"));
    CHECK(task->comments_count == 1);
    CHECK(task->crm_bindings == std::vector<std::string>{"L_" + lead_id});

    std::string activity_id =
        id_of(p.ok("crm.activity.add",
                   {{"fields",
                     {{"OWNER_TYPE_ID", 1},
                      {"OWNER_ID", lead_id},
                      {"TYPE_ID", 2},
                      {"DIRECTION", 2},
                      {"COMPLETED", "N"},
                      {"SUBJECT", "Звонок"},
                      {"START_TIME", "2026-01-12T12:00:00+03:00"},
                      {"COMMUNICATIONS", {{{"TYPE", "PHONE"}, {"VALUE", "+79161234567"}}}}}}}));
    auto activity_entity = read({"activity", activity_id});
    auto* activity = std::get_if<rules::Activity>(&activity_entity);
    REQUIRE(activity);
    CHECK(activity->owner_type_id == 1);
    CHECK(activity->owner_id == lead_id);
    CHECK(activity->type_id == 2);
    CHECK(activity->direction == 2);
    CHECK_FALSE(activity->completed);
    CHECK(activity->deadline == at("2026-01-12T09:00:00Z"));
    CHECK(activity->phones == std::vector<std::string>{"+79161234567"});
    CHECK(snapshot_of({"activity", activity_id}, activity_entity, {}).terms ==
          std::vector<store::SnapshotTerm>{{"activity.owner", "lead:" + lead_id}});
    // An activity that is not there: the list answers [].
    CHECK(std::holds_alternative<std::monostate>(read({"activity", "999"})));
}

}  // namespace entity_model_test
