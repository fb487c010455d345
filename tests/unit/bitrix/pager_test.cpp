#include <catch2/catch.hpp>

#include "bitrix/pager.hpp"
#include "tests/unit/bitrix/fake_portal.hpp"

namespace pager_test {

using namespace reglament::bitrix;
using nlohmann::json;

using reglament::bitrix::testing::FakePortal;

namespace {

struct Run {
    std::vector<std::string> ids;
    std::size_t pages = 0;
    std::size_t max_page = 0;
    std::optional<Error> error;
};

Run run(ListPager& pager, FakePortal& portal, ListShape shape) {
    Run r;
    int guard = 0;
    while (!pager.done() && ++guard < 1000) {
        auto body = portal.answer(pager.next_call());
        auto step = pager.on_result(parse_envelope(200, body), [&](const json& items) {
            ++r.pages;
            r.max_page = std::max(r.max_page, items.size());
            for (const auto& it : items)
                r.ids.push_back(shape == ListShape::legacy ? it["ID"].get<std::string>()
                                                           : std::to_string(it["id"].get<int>()));
        });
        if (step.fatal) {
            r.error = step.fatal;
            break;
        }
    }
    return r;
}

bool ascending_complete(const std::vector<std::string>& ids, int count) {
    if (static_cast<int>(ids.size()) != count) return false;
    for (int i = 0; i < count; ++i)
        if (ids[static_cast<std::size_t>(i)] != std::to_string(i + 1)) return false;
    return true;
}

}  // namespace

TEST_CASE("pager: first page alone, then chains of 50 pages per request", "[bitrix][pager]") {
    FakePortal portal(5030);
    ListPager pager({"crm.lead.list", {{"STATUS_ID", "NEW"}}, {"TITLE"}});
    auto call = pager.next_call();
    CHECK(call.method == "crm.lead.list");
    CHECK(call.params["order"]["ID"] == "ASC");
    CHECK(call.params["start"] == -1);
    CHECK(call.params["select"] == json({"TITLE", "ID"}));  // ID added for the chain
    auto r = run(pager, portal, ListShape::legacy);
    REQUIRE_FALSE(r.error);
    CHECK(ascending_complete(r.ids, 5030));
    // 1 single page + ceil((5030-50)/2500) = 2 batches.
    CHECK(portal.http_requests == 3);
    CHECK(pager.requests() == 3);
    CHECK(r.max_page == 50);
}

TEST_CASE("pager: chain commands reference the previous command's last id", "[bitrix][pager]") {
    FakePortal portal(120);
    ListPager pager({"crm.lead.list", {}, {}});
    pager.on_result(parse_envelope(200, portal.answer(pager.next_call())), [](const json&) {});
    auto chain = pager.next_call();
    CHECK(chain.method == "batch");
    CHECK(chain.params["halt"] == 1);
    REQUIRE(chain.keys.size() == 50);
    std::string second = chain.params["cmd"]["p01"];
    CHECK(second.find("filter%5B%3EID%5D=%24result%5Bp00%5D%5B49%5D%5BID%5D") != std::string::npos);
    std::string first = chain.params["cmd"]["p00"];
    CHECK(first.find("filter%5B%3EID%5D=50") != std::string::npos);
}

TEST_CASE("pager: crm.item.list and tasks.task.list shapes", "[bitrix][pager]") {
    SECTION("crm.item.list") {
        FakePortal portal(2600, ListShape::items);
        ListPager pager({"crm.item.list", {}, {"title"}, {{"entityTypeId", 1}}});
        auto first = pager.next_call();
        CHECK(first.params["order"]["id"] == "ASC");
        CHECK(first.params["entityTypeId"] == 1);
        pager.on_result(parse_envelope(200, portal.answer(first)), [](const json&) {});
        std::string cmd = pager.next_call().params["cmd"]["p03"];
        CHECK(cmd.find("%24result%5Bp02%5D%5Bitems%5D%5B49%5D%5Bid%5D") != std::string::npos);
        CHECK(cmd.find("filter%5B%3Eid%5D") != std::string::npos);
        ListPager fresh({"crm.item.list", {}, {"title"}, {{"entityTypeId", 1}}});
        auto r = run(fresh, portal, ListShape::items);
        CHECK(ascending_complete(r.ids, 2600));
    }
    SECTION("tasks.task.list") {
        FakePortal portal(175, ListShape::tasks);
        ListPager pager({"tasks.task.list", {{"REAL_STATUS", 2}}, {"TITLE"}});
        auto first = pager.next_call();
        CHECK(first.params["order"]["ID"] == "ASC");
        pager.on_result(parse_envelope(200, portal.answer(first)), [](const json&) {});
        std::string cmd = pager.next_call().params["cmd"]["p01"];
        CHECK(cmd.find("%24result%5Bp00%5D%5Btasks%5D%5B49%5D%5Bid%5D") != std::string::npos);
        ListPager fresh({"tasks.task.list", {}, {"TITLE"}});
        CHECK(ascending_complete(run(fresh, portal, ListShape::tasks).ids, 175));
    }
}

TEST_CASE("pager: a short list costs one request", "[bitrix][pager]") {
    FakePortal portal(49);
    ListPager pager({"crm.deal.list", {}, {}});
    auto r = run(pager, portal, ListShape::legacy);
    CHECK(ascending_complete(r.ids, 49));
    CHECK(portal.http_requests == 1);
    FakePortal exact(100);
    ListPager p2({"crm.deal.list", {}, {}});
    CHECK(ascending_complete(run(p2, exact, ListShape::legacy).ids, 100));
}

TEST_CASE("pager: a caller's >ID starts the stream there", "[bitrix][pager]") {
    FakePortal portal(80);
    ListPager pager({"crm.lead.list", {{">ID", "60"}}, {}});
    auto r = run(pager, portal, ListShape::legacy);
    REQUIRE(r.ids.size() == 20);
    CHECK(r.ids.front() == "61");
}

TEST_CASE("pager: a failed link is re-read from the last good page, nothing twice",
          "[bitrix][pager]") {
    FakePortal portal(3000, ListShape::legacy, 7);
    ListPager pager({"crm.lead.list", {}, {}});
    auto r = run(pager, portal, ListShape::legacy);
    REQUIRE_FALSE(r.error);
    CHECK(ascending_complete(r.ids, 3000));
}

TEST_CASE("pager: a final error ends the stream with that error", "[bitrix][pager]") {
    FakePortal portal(3000, ListShape::legacy, 2, "ACCESS_DENIED");
    ListPager pager({"crm.lead.list", {}, {}});
    auto r = run(pager, portal, ListShape::legacy);
    REQUIRE(r.error);
    CHECK(r.error->code == "ACCESS_DENIED");
    CHECK(r.ids.size() == 50 + 2 * 50);
    CHECK(pager.done());
}

TEST_CASE("pager: HTML instead of JSON is retried with backoff", "[bitrix][pager]") {
    FakePortal portal(60);
    ListPager pager({"crm.lead.list", {}, {}});
    auto step =
        pager.on_result(parse_envelope(502, "<html>bad gateway</html>"), [](const json&) {});
    CHECK_FALSE(step.fatal);
    CHECK(step.wait > std::chrono::milliseconds(0));
    CHECK_FALSE(pager.done());
    CHECK(ascending_complete(run(pager, portal, ListShape::legacy).ids, 60));
}

TEST_CASE("pager: voximplant.statistic.get falls back to start paging", "[bitrix][pager]") {
    FakePortal portal(180);
    ListPager pager(
        {"voximplant.statistic.get", {{">=CALL_START_DATE", "2025-01-01T00:00:00+03:00"}}, {}});
    CHECK_FALSE(pager.fast_path());
    auto first = pager.next_call();
    CHECK(first.params.contains("FILTER"));
    CHECK(first.params["start"] == 0);
    CHECK_FALSE(first.params.contains("order"));
    auto r = run(pager, portal, ListShape::legacy);
    REQUIRE_FALSE(r.error);
    CHECK(ascending_complete(r.ids, 180));
    CHECK(portal.http_requests == 2);  // one page for total, one batch for starts 50..150
    CHECK(pager.total() == 180);
}

TEST_CASE("pager: shapes and exclusions", "[bitrix][pager]") {
    CHECK(list_shape("crm.item.list") == ListShape::items);
    CHECK(list_shape("tasks.task.list") == ListShape::tasks);
    CHECK(list_shape("crm.lead.list") == ListShape::legacy);
    CHECK_FALSE(supports_id_order("voximplant.statistic.get"));
    CHECK(page_items(json::parse(R"({"items":[1,2]})"), ListShape::items).size() == 2);
    CHECK(page_items(json::parse("[]"), ListShape::items).empty());
    CHECK(page_items(json::parse("{}"), ListShape::legacy).empty());
}

}  // namespace pager_test
