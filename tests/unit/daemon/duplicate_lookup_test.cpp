// lookup.duplicates (L2) as pure steps: the searches, the reads of the hits, the answer.
#include <catch2/catch.hpp>

#include "daemon/duplicate_lookup.hpp"

namespace duplicate_lookup_test {

using namespace reglament::daemon;
using nlohmann::json;

TEST_CASE("duplicate lookup: searches by phone and e-mail", "[daemon][outbox]") {
    auto calls = duplicate_searches({{"entity_type", "lead"},
                                     {"entity_id", "12"},
                                     {"phones", {"79123456789"}},
                                     {"emails", {"a@b.ru"}}});
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].method == "crm.duplicate.findbycomm");
    CHECK(calls[0].params == json{{"type", "PHONE"}, {"values", {"79123456789"}}});
    CHECK(calls[1].params == json{{"type", "EMAIL"}, {"values", {"a@b.ru"}}});
    CHECK(calls[0].idempotency == reglament::bitrix::Idempotency::read);
    CHECK(duplicate_searches({{"phones", json::array()}}).empty());

    json many = json::array();
    for (int i = 0; i < 30; ++i)
        many.push_back("7912000" + std::to_string(1000 + i));
    CHECK(duplicate_searches({{"phones", many}})[0].params["values"].size() == 20);
}

TEST_CASE("duplicate lookup: hits are read and named, the asking lead left out",
          "[daemon][outbox]") {
    // An empty answer is [] (bitrix24.md §6 "Duplicates").
    FoundIds ids = found_ids(
        {json{{"LEAD", {12, 40}}, {"CONTACT", {5}}}, json::array(), json{{"LEAD", {"40"}}}});
    CHECK(ids.leads == std::vector<std::string>{"12", "40"});
    CHECK(ids.contacts == std::vector<std::string>{"5"});
    CHECK(ids.companies.empty());

    auto reads = duplicate_reads(ids);
    REQUIRE(reads.size() == 3);
    CHECK(reads[0].method == "crm.lead.list");
    CHECK(reads[0].params["filter"] == json{{"@ID", {"12", "40"}}});
    CHECK(reads[1].method == "crm.contact.list");
    CHECK(reads[2].method == "crm.deal.list");
    CHECK(reads[2].params["filter"] == json{{"@CONTACT_ID", {"5"}}});

    std::vector<json> answers{
        json::array({{{"ID", "12"}, {"TITLE", "Сам лид"}, {"ASSIGNED_BY_ID", "7"}},
                     {{"ID", "40"}, {"TITLE", "Старый лид"}, {"ASSIGNED_BY_ID", "7"}}}),
        json::array(
            {{{"ID", "5"}, {"NAME", "Анна"}, {"LAST_NAME", "Петрова"}, {"ASSIGNED_BY_ID", "9"}}}),
        json::array({{{"ID", "3"}, {"TITLE", "Сделка"}, {"ASSIGNED_BY_ID", "9"}}})};
    auto answer = duplicate_answer(ids, answers, {{"entity_type", "lead"}, {"entity_id", "12"}},
                                   {{"7", "Иван"}});
    const json& hits = answer["hits"];
    REQUIRE(hits.size() == 3);
    CHECK(hits[0] == json{{"type", "lead"},
                          {"id", "40"},
                          {"title", "Старый лид"},
                          {"assigned_by_id", "7"},
                          {"assigned_name", "Иван"}});
    CHECK(hits[1]["type"] == "contact");
    CHECK(hits[1]["title"] == "Анна Петрова");
    CHECK(hits[1]["assigned_name"] == "");
    CHECK(hits[2]["type"] == "deal");
    CHECK(hits[2]["id"] == "3");

    CHECK(duplicate_answer(found_ids({json::array()}), {}, {}, {})["hits"] == json::array());
}

TEST_CASE("duplicate lookup: the planner hands the params over", "[daemon][outbox]") {
    reglament::store::NewAction a;
    a.kind = "lookup.duplicates";
    a.idempotency_key = "L2:lead:12:lookup";
    a.payload = json{{"params", {{"entity_type", "lead"}, {"entity_id", "12"}}}}.dump();
    auto plan = plan_action(a, {});
    CHECK(plan.kind == PlanKind::duplicates);
    CHECK(plan.params["entity_id"] == "12");
}

}  // namespace duplicate_lookup_test
