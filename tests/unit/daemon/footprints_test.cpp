// The daemon's own footprints (issue 18 §3): what an action writes, and whether a change the
// portal reports is exactly that.
#include <catch2/catch.hpp>

#include "daemon/footprints.hpp"
#include "rules/iso_time.hpp"

namespace footprints_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;

namespace {

const TimePoint kAt = *parse_iso8601("2026-03-02T09:00:00+03:00");

rules::Lead lead(const std::string& status, const std::string& who) {
    rules::Lead l;
    l.id = "7";
    l.status_id = status;
    l.status_semantic = "P";
    l.assigned_by_id = who;
    return l;
}

}  // namespace

TEST_CASE("footprints: each write kind lands on its entity", "[daemon][footprints]") {
    auto w = own_write("task.complete", json{{"task_id", 40}}, kAt);
    REQUIRE(w);
    CHECK(w->target.key() == "task:40");
    CHECK(w->written.wrote("status", "5"));
    w = own_write("task.update",
                  json{{"task_id", "40"}, {"fields", {{"DEADLINE", "2026-03-02T18:00:00+03:00"}}}},
                  kAt);
    REQUIRE(w);
    // Dates meet whatever offset the portal answers with.
    CHECK(w->written.wrote("deadline", "2026-03-02T15:00:00Z"));
    w = own_write("lead.update",
                  json{{"lead_id", "7"}, {"fields", {{"STATUS_ID", "JUNK"}, {"UF_CRM_R", "x"}}}},
                  kAt);
    REQUIRE(w);
    CHECK(w->target.key() == "lead:7");
    CHECK(w->written.wrote("status_id", "JUNK"));
    CHECK(w->written.wrote("fields.UF_CRM_R", "x"));
    w = own_write("task.comment", json{{"task_id", "40"}, {"text", "t"}}, kAt);
    REQUIRE(w);
    CHECK(w->written.comments == 1);
    CHECK_FALSE(own_write("notify", json{{"user_id", "1"}}, kAt));
    CHECK_FALSE(own_write("task.add", json{{"title", "t"}}, kAt));
}

TEST_CASE("footprints: a change is the daemon's only when every difference is its write",
          "[daemon][footprints]") {
    rules::Footprint f;
    merge_footprint(
        f, own_write("lead.update",
                     json{{"lead_id", "7"}, {"fields", {{"STATUS_ID", "IN_PROCESS"}}}}, kAt)
               ->written);
    rules::Lead before = lead("NEW", "11");
    rules::Lead after = lead("IN_PROCESS", "11");
    after.status_semantic = "P";
    after.modified = kAt;  // the portal's own stamp
    CHECK(own_change(before, after, f));
    // The manager reassigned it at the same time: not only ours.
    rules::Lead both = after;
    both.assigned_by_id = "12";
    CHECK_FALSE(own_change(before, both, f));
    // A status the daemon did not write.
    CHECK_FALSE(own_change(before, lead("JUNK", "11"), f));
    // Nothing changed: not a change at all.
    CHECK_FALSE(own_change(before, before, f));
    CHECK_FALSE(own_change(before, after, rules::Footprint{}));
}

}  // namespace footprints_test
