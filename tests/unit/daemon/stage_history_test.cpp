// A deal's stage history: crm.stagehistory.list answers in the shapes the portal may choose,
// merged reads, the snapshot form, and when the engine asks for it at all.
#include <catch2/catch.hpp>

#include "daemon/stage_history.hpp"
#include "rules/iso_time.hpp"

namespace stage_history_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;

namespace {

TimePoint at(const char* iso) {
    return *parse_iso8601(iso);
}

std::vector<std::string> stages(const std::vector<StageHistoryRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(r.entry.stage_id);
    return out;
}

std::vector<std::string> ids(const std::vector<StageHistoryRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(r.id);
    return out;
}

}  // namespace

TEST_CASE("stage history: the read asks for one deal's rows, newest first", "[stage_history]") {
    auto read = stage_history_read("7");
    CHECK(read.method == "crm.stagehistory.list");
    CHECK(read.params["entityTypeId"] == 2);
    CHECK(read.params["filter"]["OWNER_ID"] == "7");
    CHECK(read.params["order"]["ID"] == "DESC");
    CHECK(stage_history_key("7") == "stage_history:7");
}

TEST_CASE("stage history: rows of any shape, oldest first, other owners and junk skipped",
          "[stage_history]") {
    // Newest first as asked; ids and numbers as strings or numbers; one row in camelCase.
    json result = {{"items",
                    {{{"ID", "12"},
                      {"TYPE_ID", "2"},
                      {"OWNER_ID", "7"},
                      {"CREATED_TIME", "2026-03-02T11:00:00+03:00"},
                      {"CATEGORY_ID", "0"},
                      {"STAGE_ID", "NEW"},
                      {"STAGE_SEMANTIC_ID", "P"}},
                     {{"id", 11},
                      {"typeId", 2},
                      {"ownerId", 7},
                      {"createdTime", "2026-03-02T07:30:00Z"},
                      {"categoryId", 0},
                      {"stageId", "UC_PREMEASURE"},
                      {"stageSemanticId", "P"}},
                     {{"ID", 10}, {"OWNER_ID", 8}, {"STAGE_ID", "WON"}},  // another deal
                     {{"ID", 9}, {"OWNER_ID", 7}, {"STAGE_ID", ""}},      // no stage
                     "garbage",
                     {{"ID", 3},
                      {"TYPE_ID", 1},
                      {"OWNER_ID", "7"},
                      {"CREATED_TIME", "2026-03-02T09:00:00+03:00"},
                      {"CATEGORY_ID", 0},
                      {"STAGE_ID", "NEW"}}}},
                   {"total", 4}};
    auto rows = stage_history_from_rest("7", result);
    CHECK(ids(rows) == std::vector<std::string>{"3", "11", "12"});
    CHECK(stages(rows) == std::vector<std::string>{"NEW", "UC_PREMEASURE", "NEW"});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].entry.type_id == 1);
    CHECK(rows[1].entry.type_id == 2);
    CHECK(rows[1].entry.category_id == "0");
    CHECK(rows[1].entry.stage_semantic == "P");
    CHECK(rows[1].entry.at == at("2026-03-02T10:30:00+03:00"));

    // A bare array is the same rows.
    CHECK(ids(stage_history_from_rest("7", result["items"])) == ids(rows));
    // Nothing usable: no rows, no exception.
    for (const json& nothing : {json(nullptr), json(""), json(false), json::object(),
                                json{{"items", "x"}}, json::array()})
        CHECK(stage_history_from_rest("7", nothing).empty());
}

TEST_CASE("stage history: rows with the same time are in id order", "[stage_history]") {
    json items = json::array();
    for (const char* id : {"101", "99", "100"})
        items.push_back({{"ID", id},
                         {"OWNER_ID", "7"},
                         {"CREATED_TIME", "2026-03-02T10:00:00+03:00"},
                         {"STAGE_ID", std::string("S") + id}});
    CHECK(ids(stage_history_from_rest("7", items)) == std::vector<std::string>{"99", "100", "101"});
}

TEST_CASE("stage history: a fresh read merges into what was kept, by id", "[stage_history]") {
    auto row = [](const char* id, const char* stage, const char* time) {
        StageHistoryRow r;
        r.id = id;
        r.entry.stage_id = stage;
        r.entry.at = at(time);
        return r;
    };
    std::vector<StageHistoryRow> kept = {row("1", "NEW", "2026-03-01T10:00:00Z"),
                                         row("2", "UC_PREMEASURE", "2026-03-01T11:00:00Z")};
    std::vector<StageHistoryRow> fresh = {row("2", "UC_PREMEASURE", "2026-03-01T11:00:00Z"),
                                          row("3", "NEW", "2026-03-01T12:00:00Z")};
    auto merged = merge_stage_history(kept, fresh);
    CHECK(ids(merged) == std::vector<std::string>{"1", "2", "3"});
    CHECK(stages(merged) == std::vector<std::string>{"NEW", "UC_PREMEASURE", "NEW"});

    // The snapshot gives the same rows back.
    auto snap = stage_history_snapshot("7", merged, at("2026-03-02T09:00:00Z"));
    CHECK(snap.entity_key == "stage_history:7");
    auto back = stage_history_rows(snap.json);
    CHECK(ids(back) == ids(merged));
    CHECK(stages(back) == stages(merged));
    CHECK(back[2].entry.at == merged[2].entry.at);
    auto entries = stage_history_entries(back);
    REQUIRE(entries.size() == 3);
    CHECK(entries[1].stage_id == "UC_PREMEASURE");

    CHECK(stage_history_rows("").empty());
    CHECK(stage_history_rows("null").empty());
    CHECK(stage_history_rows(R"({"rows": [{"id": 5, "stage_id": "NEW"}, {"id": "6"}]})").size() ==
          1);
}

TEST_CASE("stage history: read only when the deal moved since its snapshot", "[stage_history]") {
    rules::Deal known;
    known.id = "7";
    known.category_id = "0";
    known.stage_id = "NEW";
    known.moved = at("2026-03-02T09:00:00Z");

    CHECK(stage_history_wanted(std::monostate{}, known));  // no snapshot yet
    CHECK_FALSE(stage_history_wanted(known, known));
    auto edited = known;
    edited.title = "renamed";
    edited.fields["UF_CRM_ADDR_CITY"] = "Тверь";
    CHECK_FALSE(stage_history_wanted(known, edited));

    auto moved = known;
    moved.stage_id = "UC_PREMEASURE";
    CHECK(stage_history_wanted(known, moved));
    // Away and back between two reads: same stage, later move.
    auto round_trip = known;
    round_trip.moved = at("2026-03-02T10:00:00Z");
    CHECK(stage_history_wanted(known, round_trip));
    auto pipeline = known;
    pipeline.category_id = "1";
    CHECK(stage_history_wanted(known, pipeline));
}

}  // namespace stage_history_test
