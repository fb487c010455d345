// The call log R4 reads (StoreWorld::calls_of) and its pruning, in a real SQLite file.
#include <catch2/catch.hpp>

#include "daemon/call_log.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/store_world.hpp"
#include "rules/iso_time.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace call_log_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;
using store::testing::TempDir;

namespace {

TimePoint at(const char* iso) {
    return *parse_iso8601(iso);
}

const TimePoint kNow = at("2026-06-01T09:00:00+03:00");

rules::Call call(const std::string& id, TimePoint start) {
    rules::Call c;
    c.call_id = id;
    c.type = 1;
    c.phone = "+79123456789";
    c.start = start;
    c.duration_seconds = 30;
    return c;
}

void put_lead(store::Store& s, const std::string& id, TimePoint created) {
    rules::Lead l;
    l.id = id;
    l.title = "lead " + id;
    l.created = created;
    s.put_snapshot(snapshot_of({"lead", id}, l, created));
}

std::vector<std::string> call_ids(const std::vector<rules::Call>& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls)
        out.push_back(c.call_id);
    return out;
}

}  // namespace

TEST_CASE("call log: kept under every lead it was routed to, oldest first", "[call_log]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    s.put_snapshot(call_snapshot(call("b", at("2026-05-30T10:00:00Z")), {"12", "13"}, kNow));
    s.put_snapshot(call_snapshot(call("a", at("2026-05-30T09:00:00Z")), {"12"}, kNow));
    StoreWorld world(s);
    CHECK(call_ids(world.calls_of({"lead", "12"})) == std::vector<std::string>{"a", "b"});
    CHECK(call_ids(world.calls_of({"lead", "13"})) == std::vector<std::string>{"b"});
    // The lead ids ride along in the JSON; the rules' Call does not mind them.
    CHECK(json::parse(s.get_snapshot("call:b")->json)["leads"] == json{"12", "13"});
}

TEST_CASE("call log: a lead's calls go whole once it is gone or past the horizon", "[call_log]") {
    TempDir dir;
    store::SqliteStore s(dir.file("state.db"));
    const auto horizon = std::chrono::hours(24 * 60);
    put_lead(s, "1", kNow - std::chrono::hours(24 * 10));  // recent
    put_lead(s, "2", kNow - std::chrono::hours(24 * 61));  // past the horizon
    // Lead 3 has no snapshot: deleted in the portal.

    // Old calls of a recent lead stay: the log is the lead's, not each call's.
    s.put_snapshot(
        call_snapshot(call("old-of-1", kNow - std::chrono::hours(24 * 90)), {"1"}, kNow));
    s.put_snapshot(call_snapshot(call("of-2", kNow - std::chrono::hours(24 * 59)), {"2"}, kNow));
    s.put_snapshot(call_snapshot(call("of-3", kNow - std::chrono::hours(24)), {"3"}, kNow));
    s.put_snapshot(
        call_snapshot(call("of-1-2-3", kNow - std::chrono::hours(24)), {"1", "2", "3"}, kNow));
    s.put_snapshot(call_snapshot(call("of-2-3", kNow - std::chrono::hours(24)), {"2", "3"}, kNow));
    // Written by an older build: no lead ids, so its own start decides.
    s.put_snapshot({"call:legacy-old",
                    json(call("legacy-old", kNow - std::chrono::hours(24 * 61))).dump(),
                    kNow,
                    {{std::string(terms::call_lead), "lead:1"}}});
    s.put_snapshot({"call:legacy-new",
                    json(call("legacy-new", kNow - std::chrono::hours(24 * 59))).dump(),
                    kNow,
                    {{std::string(terms::call_lead), "lead:1"}}});
    s.put_snapshot({"call:junk", "[1, 2]", kNow, {}});

    auto prune = prune_call_log(s, kNow, horizon);
    CHECK(prune.seen == 8);
    std::sort(prune.erased.begin(), prune.erased.end());
    CHECK(prune.erased == std::vector<std::string>{"call:junk", "call:legacy-old", "call:of-2",
                                                   "call:of-2-3", "call:of-3"});
    REQUIRE(prune.rewritten.size() == 1);
    CHECK(prune.rewritten[0].entity_key == "call:of-1-2-3");

    store::EngineCommit work;
    work.snapshots = prune.rewritten;
    work.snapshot_erases = prune.erased;
    s.commit(work);
    StoreWorld world(s);
    CHECK(call_ids(world.calls_of({"lead", "1"})) ==
          std::vector<std::string>{"old-of-1", "legacy-new", "of-1-2-3"});
    CHECK(world.calls_of({"lead", "2"}).empty());
    CHECK(world.calls_of({"lead", "3"}).empty());

    // Nothing left to do a second time.
    auto again = prune_call_log(s, kNow, horizon);
    CHECK(again.erased.empty());
    CHECK(again.rewritten.empty());
}

}  // namespace call_log_test
