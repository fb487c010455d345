#include <catch2/catch.hpp>

#include "bitrix/datetime.hpp"
#include "bitrix/event.hpp"

namespace event_test {

using namespace reglament::bitrix;

namespace {
const std::string auth_tail =
    "&ts=1466439714&auth%5Bdomain%5D=some.bitrix24.ru"
    "&auth%5Bclient_endpoint%5D=https%3A%2F%2Fsome.bitrix24.ru%2Frest%2F"
    "&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F"
    "&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553"
    "&auth%5Bapplication_token%5D=s1morf";

Event parse_ok(const std::string& body) {
    auto r = parse_event(body + auth_tail);
    INFO(r.error);
    REQUIRE(r.event);
    return *r.event;
}
}  // namespace

TEST_CASE("event: CRM entity events carry data[FIELDS][ID]", "[bitrix][event]") {
    struct Case {
        const char* name;
        EntityType type;
    };
    for (auto c :
         {Case{"ONCRMLEADADD", EntityType::lead}, Case{"ONCRMLEADUPDATE", EntityType::lead},
          Case{"ONCRMLEADDELETE", EntityType::lead}, Case{"ONCRMDEALADD", EntityType::deal},
          Case{"ONCRMDEALUPDATE", EntityType::deal}, Case{"ONCRMDEALDELETE", EntityType::deal},
          Case{"onCrmActivityAdd", EntityType::activity},
          Case{"ONCRMACTIVITYUPDATE", EntityType::activity},
          Case{"ONCRMACTIVITYDELETE", EntityType::activity},
          Case{"ONCRMCONTACTADD", EntityType::contact}, Case{"ONUSERADD", EntityType::user}}) {
        auto ev = parse_ok(std::string("event=") + c.name +
                           "&event_handler_id=3&data%5BFIELDS%5D%5BID%5D=1475");
        CHECK(ev.entity == c.type);
        CHECK(ev.entity_id == "1475");
        CHECK(ev.is(c.name));
    }
}

TEST_CASE("event: name compared case-insensitively, ts and auth lifted", "[bitrix][event]") {
    auto ev = parse_ok("event=onCrmLeadAdd&event_handler_id=7&data[FIELDS][ID]=5");
    CHECK(ev.name == "ONCRMLEADADD");
    CHECK(ev.is("onCrmLeadAdd"));
    CHECK(ev.is("ONCRMLEADADD"));
    CHECK_FALSE(ev.is("ONCRMLEADUPDATE"));
    CHECK(ev.handler_id == "7");
    REQUIRE(ev.ts);
    CHECK(ev.ts->time_since_epoch() == std::chrono::seconds(1466439714));
    CHECK(ev.auth.domain == "some.bitrix24.ru");
    CHECK(ev.auth.client_endpoint == "https://some.bitrix24.ru/rest/");
    CHECK(ev.auth.server_endpoint == "https://oauth.bitrix.info/rest/");
    CHECK(ev.auth.member_id == "a223c6b3710f85df22e9377d6c4f7553");
    CHECK(ev.auth.application_token == "s1morf");
}

TEST_CASE("event: deal moved to another funnel", "[bitrix][event]") {
    auto ev = parse_ok(
        "event=onCrmDealMoveToCategory&data[FIELDS][ID]=42"
        "&data[FIELDS][CATEGORY_ID]=3&data[FIELDS][STAGE_ID]=C3%3ANEW");
    CHECK(ev.entity == EntityType::deal);
    CHECK(ev.entity_id == "42");
    CHECK(ev.category_id == "3");
    CHECK(ev.stage_id == "C3:NEW");
}

TEST_CASE("event: task events use FIELDS_AFTER, delete FIELDS_BEFORE", "[bitrix][event]") {
    auto add = parse_ok(
        "event=ONTASKADD&data[FIELDS_BEFORE]=undefined&data[FIELDS_AFTER][ID]=77"
        "&data[IS_ACCESSIBLE_BEFORE]=undefined&data[IS_ACCESSIBLE_AFTER]=Y");
    CHECK(add.entity == EntityType::task);
    CHECK(add.entity_id == "77");
    auto update =
        parse_ok("event=ONTASKUPDATE&data[FIELDS_BEFORE][ID]=77&data[FIELDS_AFTER][ID]=77");
    CHECK(update.entity_id == "77");
    auto del =
        parse_ok("event=ONTASKDELETE&data[FIELDS_BEFORE][ID]=78&data[FIELDS_AFTER]=undefined");
    CHECK(del.entity_id == "78");
    auto comment = parse_ok(
        "event=ONTASKCOMMENTADD&data[FIELDS_AFTER][ID]=0"
        "&data[FIELDS_AFTER][TASK_ID]=77");
    CHECK(comment.entity == EntityType::task_comment);
    CHECK(comment.entity_id == "0");
    CHECK(comment.task_id == "77");
}

TEST_CASE("event: timeline comment carries data[ID] without FIELDS", "[bitrix][event]") {
    auto ev = parse_ok("event=onCrmTimelineCommentAdd&data[ID]=901");
    CHECK(ev.entity == EntityType::timeline_comment);
    CHECK(ev.entity_id == "901");
}

TEST_CASE("event: ONVOXIMPLANTCALLEND carries the full call", "[bitrix][event]") {
    auto ev = parse_ok(
        "event=ONVOXIMPLANTCALLEND&data[CALL_ID]=externalCall.abc&data[CALL_TYPE]=1"
        "&data[PHONE_NUMBER]=%2B79001234567&data[PORTAL_NUMBER]=reg1&data[PORTAL_USER_ID]=5"
        "&data[CALL_DURATION]=0&data[CALL_START_DATE]=2025-01-01T10%3A00%3A00%2B03%3A00"
        "&data[COST]=0&data[COST_CURRENCY]=RUR&data[CALL_FAILED_CODE]=304"
        "&data[CALL_FAILED_REASON]=Missed&data[CRM_ACTIVITY_ID]=900");
    CHECK(ev.entity == EntityType::call);
    CHECK(ev.entity_id == "externalCall.abc");
    REQUIRE(ev.call);
    CHECK(ev.call->call_type == 1);
    CHECK(ev.call->duration_seconds == 0);
    CHECK(ev.call->failed_code == "304");
    CHECK_FALSE(ev.call->answered());
    CHECK(ev.call->crm_activity_id == "900");
    CHECK(ev.call->start == parse_datetime("2025-01-01T07:00:00Z"));
    auto start = parse_ok("event=ONVOXIMPLANTCALLSTART&data[CALL_ID]=c2&data[USER_ID]=5");
    CHECK(start.entity_id == "c2");
    CHECK_FALSE(start.call);
}

TEST_CASE("event: names that only share an entity's prefix are not its events", "[bitrix][event]") {
    // b24restdocs: user-field events carry the field's id, recurring-deal events the template's.
    for (const char* name :
         {"ONCRMLEADUSERFIELDADD", "ONCRMDEALUSERFIELDUPDATE", "ONCRMDEALRECURRINGADD",
          "ONCRMCONTACTUSERFIELDDELETE", "ONTASKCHATMESSAGEADD"}) {
        auto ev = parse_ok(std::string("event=") + name +
                           "&data%5BFIELDS%5D%5BID%5D=2&data%5BFIELDS%5D%5BENTITY_ID%5D=CRM_DEAL");
        INFO(name);
        CHECK(ev.entity == EntityType::unknown);
    }
}

TEST_CASE("event: ONUSERADD carries the user as data[ID], without FIELDS", "[bitrix][event]") {
    auto ev = parse_ok("event=ONUSERADD&data%5BID%5D=123&data%5BACTIVE%5D=Y&data%5BNAME%5D=Klaus");
    CHECK(ev.entity == EntityType::user);
    CHECK(ev.entity_id == "123");
}

TEST_CASE("event: a malformed body still tells which token came with it", "[bitrix][event]") {
    auto no_id = parse_event("event=ONCRMLEADADD&data[FIELDS][TITLE]=x&auth[application_token]=t0");
    CHECK_FALSE(no_id.event);
    CHECK(no_id.application_token == "t0");
    auto ok = parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&auth[application_token]=t1");
    REQUIRE(ok.event);
    CHECK(ok.application_token == "t1");
    CHECK(parse_event("event=ONCRMLEADADD&data[FIELDS=1").application_token.empty());
}

TEST_CASE("event: app lifecycle without entity, tokens read", "[bitrix][event]") {
    auto ev = parse_ok(
        "event=ONAPPINSTALL&data[VERSION]=1&auth[access_token]=acc"
        "&auth[refresh_token]=ref&auth[expires_in]=3600");
    CHECK(ev.entity == EntityType::app);
    CHECK(ev.entity_id.empty());
    CHECK(ev.auth.refresh_token == "ref");
    CHECK(ev.data["VERSION"] == "1");
}

TEST_CASE("event: unusable bodies give a one-line reason", "[bitrix][event]") {
    auto no_event = parse_event("data[FIELDS][ID]=1");
    CHECK_FALSE(no_event.event);
    CHECK(no_event.error.find("event") != std::string::npos);
    auto broken = parse_event("event=ONCRMLEADADD&data[FIELDS=1");
    CHECK_FALSE(broken.event);
    CHECK(broken.error.find("malformed") != std::string::npos);
    auto no_id = parse_event("event=ONCRMLEADADD&data[FIELDS][TITLE]=x");
    CHECK_FALSE(no_id.event);
    CHECK(no_id.error.find("ONCRMLEADADD") != std::string::npos);
    auto bad_ts = parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&ts=yesterday");
    CHECK_FALSE(bad_ts.event);
    // Found by the fuzzer: a ts this large overflowed when converted to milliseconds.
    auto huge_ts = parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&ts=146243971893188888");
    CHECK_FALSE(huge_ts.event);
    CHECK(huge_ts.error.find("unix time") != std::string::npos);
    for (const auto& r : {no_event, broken, no_id, bad_ts, huge_ts})
        CHECK(r.error.find('\n') == std::string::npos);
}

TEST_CASE("event: application token comparison", "[bitrix][event]") {
    CHECK(token_matches("s1morf", "s1morf"));
    CHECK_FALSE(token_matches("s1morf", "s1morg"));
    CHECK_FALSE(token_matches("s1morf", "s1mor"));
    CHECK_FALSE(token_matches("s1morf", "s1morff"));
    CHECK_FALSE(token_matches("", ""));
    CHECK_FALSE(token_matches("s1morf", ""));
}

}  // namespace event_test

namespace event_limits_test {

using namespace reglament::bitrix;

const std::string kAuth = "&auth%5Bapplication_token%5D=s1morf";

// Issue 19 §2: an id that is no positive integer was stored, then failed on every retry (and
// invalid UTF-8 crashed the daemon on every restart). It is refused at the door, with the
// token still read so a stranger learns nothing.
TEST_CASE("event: entity ids that are not positive integers are refused", "[bitrix][event]") {
    for (std::string id :
         {"abc", "12345678901234567890", "0", "-5", "007", "1.5", "%D0%9F", "%C3%28", "1%0A2"}) {
        auto r = parse_event("event=ONCRMLEADUPDATE&data[FIELDS][ID]=" + id + kAuth);
        INFO(id);
        CHECK_FALSE(r.event);
        CHECK(r.application_token == (id == "%C3%28" ? "" : "s1morf"));
        CHECK(r.error.find('\n') == std::string::npos);
    }
    auto abc = parse_event("event=ONCRMDEALADD&data[FIELDS][ID]=abc" + kAuth);
    CHECK(abc.error == "ONCRMDEALADD: entity id 'abc' is not a positive integer");
    CHECK_FALSE(parse_event("event=ONTASKUPDATE&data[FIELDS_AFTER][ID]=x1" + kAuth).event);
    CHECK_FALSE(parse_event("event=ONTASKCOMMENTADD&data[FIELDS_AFTER][ID]=0"
                            "&data[FIELDS_AFTER][TASK_ID]=abc" +
                            kAuth)
                    .event);
    CHECK_FALSE(parse_event("event=onCrmTimelineCommentAdd&data[ID]=1e5" + kAuth).event);
    CHECK_FALSE(parse_event("event=ONVOXIMPLANTCALLEND&data[CALL_ID]=a%20b" + kAuth).event);
    CHECK(parse_event("event=ONCRMLEADUPDATE&data[FIELDS][ID]=999999999999999999" + kAuth).event);
}

TEST_CASE("event: a ts outside 1970-2100 is refused", "[bitrix][event]") {
    auto late = parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&ts=4133980800" + kAuth);
    CHECK_FALSE(late.event);
    CHECK(late.error == "'ts' is not a unix time between 1970 and 2100");
    CHECK_FALSE(parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&ts=-1" + kAuth).event);
    CHECK(parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&ts=4133980799" + kAuth).event);
}

TEST_CASE("event: deep, huge or broken forms are refused before anything else", "[bitrix][event]") {
    std::string deep = "event=ONCRMLEADADD&data";
    for (int i = 0; i < 50000; ++i)
        deep += "[]";
    auto r = parse_event(deep + "=1" + kAuth);
    CHECK_FALSE(r.event);
    CHECK_FALSE(r.too_large);
    CHECK(r.error.starts_with("malformed event form: "));

    std::string many = "event=ONCRMLEADADD&data[FIELDS][ID]=1";
    for (int i = 0; i < 1000; ++i)
        many += "&x" + std::to_string(i) + "=1";
    auto wide = parse_event(many + kAuth);
    CHECK_FALSE(wide.event);
    CHECK(wide.too_large);

    auto escaped =
        parse_event("event=ONCRMLEADADD&data[FIELDS][ID]=1&data[FIELDS][TITLE]=%zz" + kAuth);
    CHECK_FALSE(escaped.event);
    CHECK_THAT(escaped.error, Catch::Contains("percent-escape"));
}

}  // namespace event_limits_test
