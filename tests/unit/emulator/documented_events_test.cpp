// Each outbound event the emulator sends, beside its documented example (written out from
// bitrix24/b24restdocs in documented_events/<EVENT>.json, each naming its page): the same
// envelope, the same `data` keys at every level (a form POST makes every value a string), and
// the auth keys the documents require, nothing the documents do not have.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "fixture.hpp"

namespace documented_events_test {

using namespace emu_test;
using reglament::net::decode_form;

json documented(const std::string& event) {
    std::ifstream in(std::string(REGLAMENT_SOURCE_DIR) + "/tests/unit/emulator/documented_events/" +
                     event + ".json");
    REQUIRE(in.good());
    return json::parse(in);
}

// The shape of a value as a form-encoded POST carries it: objects by key, every scalar a string.
json shape(const json& v) {
    if (!v.is_object()) return "scalar";
    json out = json::object();
    for (const auto& [k, x] : v.items())
        out[k] = shape(x);
    return out;
}

std::set<std::string> keys(const json& o) {
    std::set<std::string> out;
    for (const auto& [k, v] : o.items())
        out.insert(k);
    return out;
}

void matches_documents(const std::string& body) {
    auto sent = decode_form(body);
    const std::string event = sent.value("event", "");
    auto doc = documented(event);
    INFO(event << " vs " << doc["source"].get<std::string>() << "\nsent: " << sent.dump());
    const json& example = doc["example"];
    std::string doc_event = example["event"];
    for (auto& c : doc_event)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(event == doc_event);
    // event_handler_id is in every handler's POST (api-reference/events/index.md).
    auto envelope = keys(example);
    envelope.insert("event_handler_id");
    for (const auto& k : keys(sent))
        CHECK(envelope.count(k) == 1);
    CHECK(shape(sent["data"]) == shape(example["data"]));
    for (const auto& [k, v] : sent["data"].items())
        if (!v.is_object()) CHECK(v.is_string());
    CHECK(std::regex_match(sent["ts"].get<std::string>(), std::regex("[0-9]+")));
    // auth: the keys _includes/auth-params-in-events.md marks required, and none undocumented
    // (no tokens: an outgoing webhook's events carry none).
    for (const auto* k : {"scope", "domain", "server_endpoint", "status", "client_endpoint",
                          "member_id", "application_token"})
        CHECK(sent["auth"].contains(k));
    for (const auto& k : keys(sent["auth"]))
        CHECK(example["auth"].contains(k));
}

TEST_CASE("emulator: every outbound event matches its documented example", "[emulator][docs]") {
    Portal p;
    p.load_demo();
    p.emu.events.add_handler("http://127.0.0.1:9/h", {});
    p.ok("crm.lead.add", {{"fields", {{"TITLE", "Новый"}}}});
    p.ok("crm.lead.update", {{"id", 2}, {"fields", {{"TITLE", "Другой"}}}});
    auto deal = p.ok("crm.deal.add", {{"fields", {{"TITLE", "Замер"}}}})["result"];
    p.ok("crm.deal.update", {{"id", deal}, {"fields", {{"TITLE", "Замер 2"}}}});
    p.ok("crm.item.update", {{"entityTypeId", 2}, {"id", deal}, {"fields", {{"categoryId", 1}}}});
    auto activity = p.ok("crm.activity.todo.add", {{"ownerTypeId", 1},
                                                   {"ownerId", 2},
                                                   {"deadline", "2026-01-13T10:00:00+03:00"},
                                                   {"title", "Позвонить"}})["result"]["id"];
    p.ok("crm.activity.update", {{"id", activity}, {"fields", {{"COMPLETED", "Y"}}}});
    p.ok("crm.timeline.comment.add",
         {{"fields", {{"ENTITY_ID", 2}, {"ENTITY_TYPE", "lead"}, {"COMMENT", "Клиент думает"}}}});
    auto task = p.ok(
        "tasks.task.add",
        {{"fields", {{"TITLE", "Позвонить"}, {"RESPONSIBLE_ID", 11}}}})["result"]["task"]["id"];
    p.ok("tasks.task.update", {{"taskId", task}, {"fields", {{"TITLE", "Перезвонить"}}}});
    p.ok("task.commentitem.add", {{"TASKID", task}, {"FIELDS", {{"POST_MESSAGE", "Перезвонил"}}}});
    p.control("POST", "act/call", {{"user_id", 11}, {"lead_id", 2}, {"answered", false}});

    std::set<std::string> seen;
    for (const auto& out : p.emu.take_outbound()) {
        matches_documents(out.body);
        seen.insert(decode_form(out.body)["event"].get<std::string>());
    }
    CHECK(seen == std::set<std::string>{"ONCRMLEADADD", "ONCRMLEADUPDATE", "ONCRMDEALADD",
                                        "ONCRMDEALUPDATE", "ONCRMDEALMOVETOCATEGORY",
                                        "ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE",
                                        "ONCRMTIMELINECOMMENTADD", "ONTASKADD", "ONTASKUPDATE",
                                        "ONTASKCOMMENTADD", "ONVOXIMPLANTCALLEND"});
}

TEST_CASE("emulator: ONVOXIMPLANTCALLEND names the call's activity, never a CRM entity",
          "[emulator][docs]") {
    Portal p;
    p.load_demo();
    p.emu.events.add_handler("http://127.0.0.1:9/h", {"ONVOXIMPLANTCALLEND"});
    auto made = p.control("POST", "act/incoming-call", {{"user_id", 11}, {"lead_id", 2}});
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 1);
    auto data = decode_form(out[0].body)["data"];
    CHECK_FALSE(data.contains("CRM_ENTITY_TYPE"));
    CHECK_FALSE(data.contains("CRM_ENTITY_ID"));
    CHECK(data["CRM_ACTIVITY_ID"] == made["activity_id"].dump());
    // The documented form: local time with its offset.
    CHECK(std::regex_match(data["CALL_START_DATE"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)")));
}

}  // namespace documented_events_test
