#include <catch2/catch.hpp>

#include "daemon/deal_comments.hpp"

namespace deal_comments_test {

using namespace reglament::daemon;
using nlohmann::json;

TEST_CASE("deal comments: the list read asks for the deal's newest comments", "[deal][comments]") {
    auto read = deal_comments_read("42");
    CHECK(read.method == "crm.timeline.comment.list");
    CHECK(read.params["filter"] == json{{"ENTITY_ID", "42"}, {"ENTITY_TYPE", "deal"}});
    CHECK(read.params["order"] == json{{"ID", "DESC"}});
    CHECK(read.params["select"].size() == 6);
}

TEST_CASE("deal comments: rows of the deal are taken, strangers and junk skipped",
          "[deal][comments]") {
    json rows = json::array({
        {{"ID", "11"},
         {"ENTITY_ID", "42"},
         {"ENTITY_TYPE", "deal"},
         {"CREATED", "2026-03-02T10:00:00+03:00"},
         {"AUTHOR_ID", "11"},
         {"COMMENT", "Отказ: дорого"}},
        {{"id", 12}, {"entityId", 42}, {"entityType", "DEAL"}, {"comment", "camelCase"}},
        {{"ID", "13"}, {"COMMENT", "без владельца: это фильтр сделки"}},
        {{"ID", "14"}, {"ENTITY_ID", "43"}, {"ENTITY_TYPE", "deal"}, {"COMMENT", "чужой"}},
        {{"ID", "15"}, {"ENTITY_ID", "42"}, {"ENTITY_TYPE", "lead"}, {"COMMENT", "лид"}},
        {{"COMMENT", "без id"}},
        "не объект",
    });
    auto got = deal_comments_from_rest("42", rows);
    REQUIRE(got.comments.size() == 3);
    CHECK(got.complete);
    CHECK(got.comments[0].id == "11");
    CHECK(got.comments[0].text == "Отказ: дорого");
    CHECK(got.comments[0].author_id == "11");
    CHECK(got.comments[0].created.has_value());
    CHECK(got.comments[1].id == "12");
    CHECK(got.comments[1].owner_type == "deal");
    CHECK(got.comments[2].owner_id == "42");

    CHECK(deal_comments_from_rest("42", json{{"items", rows}}).comments.size() == 3);
    CHECK(deal_comments_from_rest("42", json()).comments.empty());
    CHECK_FALSE(deal_comments_from_rest("42", json()).complete);
    CHECK(deal_comments_from_rest("42", json::object()).comments.empty());
    CHECK(deal_comments_from_rest("42", json::array()).complete);
}

TEST_CASE("deal comments: a full page is not the whole list", "[deal][comments]") {
    json page = json::array();
    for (int i = 0; i < 50; ++i)
        page.push_back(
            {{"ID", std::to_string(100 + i)}, {"ENTITY_ID", "42"}, {"ENTITY_TYPE", "deal"}});
    auto got = deal_comments_from_rest("42", page);
    CHECK(got.comments.size() == 50);
    CHECK_FALSE(got.complete);
    page.erase(page.begin());
    CHECK(deal_comments_from_rest("42", page).complete);
}

}  // namespace deal_comments_test
