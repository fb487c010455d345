#include <catch2/catch.hpp>

#include "bitrix/datetime.hpp"
#include "bitrix/entities.hpp"
#include "bitrix/fields.hpp"

namespace entities_test {

using namespace reglament::bitrix;
using nlohmann::json;

TEST_CASE("fields: every spelling of empty is empty, 0 is not", "[bitrix][entities]") {
    for (auto text : {"null", "\"\"", "false", "[]", "{}"})
        CHECK(is_empty(json::parse(text)));
    for (auto text : {"0", "\"0\"", "true", "[0]", "{\"a\":1}"})
        CHECK_FALSE(is_empty(json::parse(text)));
    auto obj = json::parse(R"({"A":{},"B":false,"C":"x"})");
    CHECK_FALSE(text_field(obj, {"A"}));
    CHECK_FALSE(text_field(obj, {"B"}));
    CHECK(text_field(obj, {"A", "B", "C"}) == "x");
}

TEST_CASE("entities: legacy lead with multifields and ISO dates", "[bitrix][entities]") {
    auto lead = lead_from(json::parse(R"({
        "ID":"1475","TITLE":"Заявка с сайта","STATUS_ID":"NEW","STATUS_SEMANTIC_ID":"P",
        "SOURCE_ID":"WEB","ASSIGNED_BY_ID":"12","CREATED_BY_ID":"1","CONTACT_ID":null,
        "DATE_CREATE":"2024-03-01T09:15:00+03:00","DATE_MODIFY":"2024-03-01T06:20:00+00:00",
        "DATE_CLOSED":"","MOVED_TIME":false,
        "PHONE":[{"ID":"11658","VALUE_TYPE":"MOBILE","VALUE":"+79001234567","TYPE_ID":"PHONE"}],
        "EMAIL":[{"ID":"11659","VALUE_TYPE":"WORK","VALUE":"a@b.ru","TYPE_ID":"EMAIL"}]})"));
    CHECK(lead.id == "1475");
    CHECK(lead.status_id == "NEW");
    CHECK(lead.assigned_by_id == "12");
    CHECK(lead.contact_id.empty());
    REQUIRE(lead.date_create);
    CHECK(*lead.date_create == *parse_datetime("2024-03-01T06:15:00Z"));
    CHECK(*lead.date_modify - *lead.date_create == std::chrono::minutes(5));
    CHECK_FALSE(lead.date_closed);
    CHECK_FALSE(lead.moved_time);
    REQUIRE(lead.phones.size() == 1);
    CHECK(lead.phones[0].value == "+79001234567");
    CHECK(lead.phones[0].value_type == "MOBILE");
    REQUIRE(lead.emails.size() == 1);
    CHECK(lead.emails[0].id == "11659");
}

TEST_CASE("entities: crm.item lead with numeric ids, stageId and fm", "[bitrix][entities]") {
    auto lead = lead_from(json::parse(R"({"id":1475,"title":"T","stageId":"IN_PROCESS",
        "assignedById":12,"createdTime":"2024-03-01T09:15:00+03:00",
        "fm":[{"id":5,"typeId":"PHONE","valueType":"WORK","value":"+7 495 000"},
              {"id":6,"typeId":"EMAIL","valueType":"HOME","value":"x@y.z"}]})"));
    CHECK(lead.id == "1475");
    CHECK(lead.status_id == "IN_PROCESS");
    CHECK(lead.assigned_by_id == "12");
    REQUIRE(lead.phones.size() == 1);
    CHECK(lead.phones[0].id == "5");
    REQUIRE(lead.emails.size() == 1);
    CHECK(lead.emails[0].value == "x@y.z");
}

TEST_CASE("entities: deals in both shapes, default funnel 0 kept", "[bitrix][entities]") {
    auto legacy = deal_from(json::parse(R"({"ID":"10","STAGE_ID":"C1:NEW","CATEGORY_ID":"1",
        "CLOSED":"N","OPPORTUNITY":"15000.50","CURRENCY_ID":"RUB","ASSIGNED_BY_ID":"3"})"));
    CHECK(legacy.stage_id == "C1:NEW");
    CHECK(legacy.category_id == "1");
    CHECK(legacy.closed == false);
    CHECK(legacy.opportunity == Approx(15000.5));
    auto item = deal_from(json::parse(R"({"id":10,"stageId":"NEW","categoryId":0,"closed":"Y",
        "opportunity":99,"movedTime":"2024-01-01T00:00:00+05:00"})"));
    CHECK(item.category_id == "0");
    CHECK(item.closed == true);
    CHECK(item.opportunity == Approx(99));
    CHECK(item.moved_time == parse_datetime("2023-12-31T19:00:00Z"));
}

TEST_CASE("entities: tasks camelCase output, wrapped get and UPPER input", "[bitrix][entities]") {
    auto wrapped = task_from(json::parse(R"({"task":{"id":"77","title":"Call back",
        "responsibleId":"5","status":"3","priority":"2","deadline":"2025-12-31T23:59:59+03:00",
        "ufCrmTask":["L_4","D_10"]}})"));
    CHECK(wrapped.id == "77");
    CHECK(wrapped.status == 3);
    CHECK(wrapped.priority == 2);
    CHECK(wrapped.crm_bindings == std::vector<std::string>{"L_4", "D_10"});
    REQUIRE(wrapped.deadline);
    auto upper = task_from(json::parse(R"({"ID":"78","RESPONSIBLE_ID":"6","UF_CRM_TASK":false})"));
    CHECK(upper.responsible_id == "6");
    CHECK(upper.crm_bindings.empty());
    CHECK_FALSE(upper.deadline);
}

TEST_CASE("entities: activity call row", "[bitrix][entities]") {
    auto a = activity_from(json::parse(R"({"ID":"900","OWNER_TYPE_ID":"1","OWNER_ID":"1475",
        "TYPE_ID":"2","PROVIDER_ID":"VOXIMPLANT_CALL","PROVIDER_TYPE_ID":"CALL","DIRECTION":"2",
        "COMPLETED":"Y","START_TIME":"2024-03-01T10:00:00+03:00"})"));
    CHECK(a.type_id == "2");
    CHECK(a.direction == 2);
    CHECK(a.completed == true);
    CHECK(a.provider_id == "VOXIMPLANT_CALL");
    CHECK(a.start_time.has_value());
}

TEST_CASE("entities: voximplant call, zero duration and failure codes", "[bitrix][entities]") {
    auto missed = call_from(json::parse(R"({"ID":"1","CALL_ID":"ext.1","CALL_TYPE":"2",
        "CALL_DURATION":"0","CALL_FAILED_CODE":"304","PORTAL_USER_ID":"5",
        "CALL_START_DATE":"2025-01-01T10:00:00+03:00","CRM_ENTITY_TYPE":"LEAD","CRM_ENTITY_ID":"9"})"));
    CHECK(missed.call_type == 2);
    CHECK(missed.duration_seconds == 0);
    CHECK_FALSE(missed.answered());
    CHECK(missed.crm_entity_id == "9");
    auto ok = call_from(json::parse(R"({"CALL_DURATION":65,"CALL_FAILED_CODE":"200"})"));
    CHECK(ok.answered());
    CHECK(ok.duration_seconds == 65);
}

TEST_CASE("entities: user with boolean ACTIVE and int departments", "[bitrix][entities]") {
    auto u = user_from(json::parse(R"({"ID":"5","NAME":"Анна","ACTIVE":true,"UF_DEPARTMENT":[1,7],
        "TIMESTAMP_X":{}})"));
    CHECK(u.active == true);
    CHECK(u.departments == std::vector<std::string>{"1", "7"});
    CHECK(user_from(json::parse(R"({"ACTIVE":"N"})")).active == false);
}

TEST_CASE("entities: stage semantics from EXTRA or SEMANTICS", "[bitrix][entities]") {
    auto won = stage_from(json::parse(R"({"STATUS_ID":"WON","ENTITY_ID":"DEAL_STAGE","SORT":"70",
        "SEMANTICS":"S","EXTRA":{"SEMANTICS":"success"}})"));
    CHECK(won.semantics == StageSemantics::success);
    CHECK(won.sort == 70);
    auto apology = stage_from(json::parse(
        R"({"STATUS_ID":"C1:APOLOGY","EXTRA":{"SEMANTICS":"apology"},"SEMANTICS":"F"})"));
    CHECK(apology.semantics == StageSemantics::apology);
    auto junk = stage_from(json::parse(R"({"STATUS_ID":"JUNK","SEMANTICS":"F"})"));
    CHECK(junk.semantics == StageSemantics::failure);
    auto open = stage_from(json::parse(R"({"STATUS_ID":"NEW","SEMANTICS":null,"EXTRA":[]})"));
    CHECK(open.semantics == StageSemantics::process);
}

}  // namespace entities_test
