// D3 and D6 on one deal: D6 reopens a deal closed without what the regulation asks into the
// stage it was closed from; D3 must not send it back into the closed stage when a field of that
// stage is missing, or the two would hand the deal back and forth for ever.
#include "tests/unit/rules_deal/fixture.hpp"

namespace deal_reopen_test {

using namespace dealtest;

TEST_CASE("D3: a deal reopened from a closed stage is not sent back there, only asked for fields",
          "[rules_deal]") {
    auto now = at("2026-03-04 12:00");
    auto open = full_deal("UC_PREMEASURE", "2026-03-12");
    open.fields["UF_CRM_ADDR_INTERCOM"] = "";

    for (const auto& [closed_stage, semantic] :
         std::vector<std::pair<std::string, std::string>>{{"LOSE", "F"}, {"WON", "S"}}) {
        auto closed = open;
        closed.stage_id = closed_stage;
        closed.stage_semantic = semantic;
        closed.closed = true;

        // The manager closes it: D6 reopens it into Предзамер.
        Run d6("D6");
        auto reopen = d6(event(EventKind::updated, "deal:7", now), open, closed, now);
        REQUIRE(find(reopen, "deal.update"));
        CHECK(find(reopen, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PREMEASURE");

        // D3 sees the deal enter Предзамер from the closed stage without the intercom.
        Run d3("D3");
        auto d = d3(event(EventKind::updated, "deal:7", now), closed, open, now);
        every_action_explained(d);
        CHECK(kinds(d) == std::vector<std::string>{"task.add"});
        CHECK(find(d, "task.add")->params["title"] == "Заполнить поля: Домофон");
    }
}

TEST_CASE("D3: entering from an open stage is still restored", "[rules_deal]") {
    auto now = at("2026-03-04 12:00");
    auto before = full_deal("PREPARATION", "2026-03-12");
    auto after = before;
    after.stage_id = "UC_PREMEASURE";
    after.fields["UF_CRM_ADDR_INTERCOM"] = "";
    Run d3("D3");
    auto d = d3(event(EventKind::updated, "deal:7", now), before, after, now);
    REQUIRE(find(d, "deal.update"));
    CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "PREPARATION");
}

}  // namespace deal_reopen_test
