#include <catch2/catch.hpp>
#include <fstream>

#include "fixture.hpp"

namespace core_test {

using namespace emu_test;
using reglament::emulator::format_iso;

TEST_CASE("emulator: dates in any offset parse to the same instant", "[emulator]") {
    auto a = parse_instant("2026-01-12T10:00:00+03:00", 0);
    auto b = parse_instant("2026-01-12T07:00:00Z", 0);
    auto c = parse_instant("2026-01-12 10:00:00", 180);
    auto d = parse_instant("12.01.2026 10:00:00", 180);
    REQUIRE(a);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(a == d);
    CHECK(parse_instant("2026-01-12", 180) == parse_instant("2026-01-11T21:00:00Z", 0));
    CHECK_FALSE(parse_instant("next tuesday", 180));
    CHECK(format_iso(*a, 180) == "2026-01-12T10:00:00+03:00");
}

TEST_CASE("emulator: lead list pages by 50 with total and next", "[emulator]") {
    Portal p;
    for (int i = 0; i < 120; ++i)
        p.ok("crm.lead.add", {{"fields", {{"TITLE", "L" + std::to_string(i)}}}});
    auto first = p.ok("crm.lead.list", {{"order", {{"ID", "ASC"}}}});
    CHECK(first["result"].size() == 50);
    CHECK(first["total"] == 120);
    CHECK(first["next"] == 50);
    CHECK(first["result"][0]["ID"] == "1");  // ids are strings
    auto second = p.ok("crm.lead.list", {{"order", {{"ID", "ASC"}}}, {"start", first["next"]}});
    CHECK(second["result"][0]["ID"] == "51");
    CHECK(second["next"] == 100);
    auto third = p.ok("crm.lead.list", {{"order", {{"ID", "ASC"}}}, {"start", 100}});
    CHECK(third["result"].size() == 20);
    CHECK(third["result"][19]["ID"] == "120");
    CHECK_FALSE(third.contains("next"));  // next only when more pages exist

    auto desc = p.ok("crm.lead.list", {{"order", {{"ID", "DESC"}}}, {"select", {"ID"}}});
    CHECK(desc["result"][0]["ID"] == "120");
    CHECK(desc["result"][0].size() == 1);
}

TEST_CASE("emulator: start=-1 skips the count and the operating charge of counting", "[emulator]") {
    Portal p;
    for (int i = 0; i < 300; ++i)
        p.ok("crm.lead.add", {{"fields", {{"TITLE", "L"}}}});
    auto fast = p.ok("crm.lead.list",
                     {{"start", -1}, {"filter", {{">ID", 100}}}, {"order", {{"ID", "ASC"}}}});
    CHECK(fast["total"] == 0);
    CHECK_FALSE(fast.contains("next"));
    CHECK(fast["result"].size() == 50);
    CHECK(fast["result"][0]["ID"] == "101");
    auto counted = p.ok("crm.lead.list", {{"start", 0}});
    CHECK(counted["total"] == 300);
    CHECK(counted["time"]["processing"].get<double>() > fast["time"]["processing"].get<double>());
}

TEST_CASE("emulator: every filter operator", "[emulator]") {
    Portal p;
    p.load_demo();
    auto ids = [&](const json& filter) {
        auto r = p.ok("crm.lead.list", {{"filter", filter}, {"select", {"ID"}}});
        std::vector<std::string> out;
        for (auto& row : r["result"])
            out.push_back(row["ID"]);
        return out;
    };
    using V = std::vector<std::string>;
    CHECK(ids({{"STATUS_ID", "NEW"}}) == V{"1"});
    CHECK(ids({{"=STATUS_ID", "NEW"}}) == V{"1"});
    CHECK(ids({{"!STATUS_ID", "NEW"}}).size() == 5);
    CHECK(ids({{">ID", 4}}) == V{"5", "6"});
    CHECK(ids({{">=ID", 5}}) == V{"5", "6"});
    CHECK(ids({{"<ID", 2}}) == V{"1"});
    CHECK(ids({{"<=ID", 2}}) == V{"1", "2"});
    CHECK(ids({{"@STATUS_ID", {"NEW", "JUNK"}}}) == V{"1", "6"});
    CHECK(ids({{"!@STATUS_ID", {"NEW", "JUNK"}}}) == V{"2", "3", "4", "5"});
    CHECK(ids({{"%TITLE", "сайта"}}) == V{"1", "4", "6"});
    CHECK(ids({{"!%TITLE", "сайта"}}) == V{"2", "3", "5"});
    // Dates compare as instants whatever offset they are written in.
    CHECK(ids({{">=DATE_CREATE", "2026-01-12T05:00:00Z"}}) == V{"1"});
    CHECK(ids({{">=DATE_CREATE", "2026-01-12T08:00:00+03:00"}}) == V{"1"});
    CHECK(ids({{"<DATE_CREATE", "2025-12-01"}}) == V{"5"});
    CHECK(ids({{"PHONE", "+79161234503"}}) == V{"3"});
    CHECK(ids({{"UF_CRM_REFUSAL_REASON", "Некорректные данные"}}) == V{"6"});
    CHECK(ids({{">=DATE_CREATE", "not a date"}}).empty());
}

TEST_CASE("emulator: select with *, UF_* and multifields", "[emulator]") {
    Portal p;
    p.load_demo();
    auto plain = p.ok("crm.lead.list", {{"filter", {{"ID", 1}}}})["result"][0];
    CHECK(plain.contains("TITLE"));
    CHECK_FALSE(plain.contains("PHONE"));
    CHECK_FALSE(plain.contains("UF_CRM_MEETING_DATE"));
    auto rich = p.ok("crm.lead.list",
                     {{"filter", {{"ID", 4}}}, {"select", {"*", "UF_*", "PHONE"}}})["result"][0];
    CHECK(rich["PHONE"][0]["VALUE"] == "+79161234504");
    CHECK(rich["PHONE"][0]["TYPE_ID"] == "PHONE");
    CHECK(rich["UF_CRM_MEETING_DATE"] == "2026-01-14T12:00:00+03:00");
    CHECK(rich["STATUS_SEMANTIC_ID"] == "P");
    CHECK(rich["OPENED"] == "Y");
    auto got = p.ok("crm.lead.get", {{"id", 4}})["result"];
    CHECK(got["PHONE"].size() == 1);
}

TEST_CASE("emulator: lead update records stage history and findbycomm finds by phone",
          "[emulator]") {
    Portal p;
    p.load_demo();
    p.ok("crm.lead.update", {{"id", 1}, {"fields", {{"STATUS_ID", "IN_PROCESS"}}}});
    p.ok("crm.lead.update", {{"id", 1}, {"fields", {{"STATUS_ID", "JUNK"}}}});
    auto h = p.ok("crm.stagehistory.list", {{"entityTypeId", 1}, {"filter", {{"OWNER_ID", 1}}}});
    REQUIRE(h["result"]["items"].size() == 3);
    CHECK(h["result"]["items"][0]["TYPE_ID"] == 1);
    CHECK(h["result"]["items"][1]["STATUS_ID"] == "IN_PROCESS");
    CHECK(h["result"]["items"][1]["TYPE_ID"] == 2);
    CHECK(h["result"]["items"][2]["TYPE_ID"] == 3);  // a final status
    CHECK(h["result"]["items"][2]["STATUS_SEMANTIC_ID"] == "F");

    auto found =
        p.ok("crm.duplicate.findbycomm", {{"type", "PHONE"}, {"values", {"8 (916) 123-45-02"}}});
    CHECK(found["result"]["LEAD"] == json::array({2}));
    auto none = p.ok("crm.duplicate.findbycomm", {{"type", "PHONE"}, {"values", {"+70000000000"}}});
    CHECK(none["result"] == json::array());  // an empty array, not an object
}

TEST_CASE("emulator: directories, categories and 21-character stage ids", "[emulator]") {
    Portal p;
    p.load_demo();
    auto st = p.ok("crm.status.list", {{"filter", {{"ENTITY_ID", "STATUS"}}}})["result"];
    REQUIRE(st.size() == 11);
    CHECK(st[0]["STATUS_ID"] == "NEW");
    CHECK(st[0]["NAME"] == "Необработанный лид");
    CHECK(st[10]["SEMANTICS"] == "F");
    CHECK(st[10]["EXTRA"]["SEMANTICS"] == "failure");
    auto deferred =
        p.ok("crm.status.list", {{"filter", {{"ENTITY_ID", "DEAL_STAGE_1"}}}})["result"];
    CHECK(deferred[0]["STATUS_ID"] == "C1:JANUARY");
    auto cats = p.ok("crm.category.list", {{"entityTypeId", 2}});
    CHECK(cats["result"]["categories"].size() == 2);
    CHECK(cats["result"]["categories"][1]["name"] == "Отложенный спрос");

    reglament::emulator::Status s;
    s.entity_id = "DEAL_STAGE_10";
    s.status_id = "C10:PREPAYMENT_INVOICE";
    CHECK(p.emu.portal.add_status(s).status_id == "C10:PREPAYMENT_INVOIC");
}

TEST_CASE("emulator: deals stay in their funnel unless crm.item.update moves them", "[emulator]") {
    Portal p;
    p.load_demo();
    p.ok("crm.deal.update", {{"id", 2}, {"fields", {{"STAGE_ID", "C1:MARCH"}}}});
    CHECK(p.ok("crm.deal.get", {{"id", 2}})["result"]["STAGE_ID"] == "NEW");  // silently ignored
    p.emu.events.add_handler("http://127.0.0.1:1/h", {});
    auto moved = p.ok(
        "crm.item.update",
        {{"entityTypeId", 2}, {"id", 2}, {"fields", {{"categoryId", 1}, {"stageId", "C1:MARCH"}}}});
    CHECK(moved["result"]["item"]["categoryId"] == 1);
    CHECK(moved["result"]["item"]["stageId"] == "C1:MARCH");
    CHECK(moved["result"]["item"]["id"] == 2);  // crm.item.* uses real ints
    auto out = p.emu.take_outbound();
    REQUIRE(out.size() == 1);
    CHECK(out[0].body.find("event=ONCRMDEALMOVETOCATEGORY") != std::string::npos);
    auto h = p.ok("crm.stagehistory.list",
                  {{"entityTypeId", 2}, {"filter", {{"OWNER_ID", 2}, {"TYPE_ID", 5}}}});
    CHECK(h["result"]["items"].size() == 1);

    auto items =
        p.ok("crm.item.list", {{"entityTypeId", 1},
                               {"filter", {{">=createdTime", "2026-01-10T00:00:00+03:00"}}},
                               {"select", {"id", "title", "stageId"}}});
    REQUIRE(items["result"]["items"].size() == 2);
    CHECK(items["result"]["items"][0]["stageId"] == "NEW");
    CHECK(items["result"]["items"][0]["id"] == 1);
    auto lead = p.ok("crm.item.get", {{"entityTypeId", 1}, {"id", 1}})["result"]["item"];
    CHECK(lead["fm"][0]["value"] == "+79161234501");
    CHECK(lead["assignedById"] == 10);
}

}  // namespace core_test
