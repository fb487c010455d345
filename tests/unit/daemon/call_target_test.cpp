// Which lead a call or a WhatsApp message reaches (call_target.hpp): the portal's answer
// parsed, the manager's choice among duplicate leads, and the engine step routing each event
// to one lead only, against a real SQLite store.
#include <catch2/catch.hpp>

#include "daemon/call_target.hpp"
#include "daemon/engine_step.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/replacement_report_command.hpp"
#include "daemon/store_world.hpp"
#include "rules/iso_time.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"

namespace call_target_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;
using store::testing::TempDir;

namespace {

const TimePoint kNow = *parse_iso8601("2026-03-02T12:00:00+03:00");

rules::Lead lead(const std::string& id, const std::string& created, std::string semantic = "P") {
    rules::Lead l;
    l.id = id;
    l.title = "Заявка " + id;
    l.status_id = semantic == "P" ? "NEW" : "JUNK";
    l.status_semantic = std::move(semantic);
    l.assigned_by_id = "11";
    l.phones = {"+7 912 345-67-89"};
    l.created = parse_iso8601(created);
    return l;
}

// Records every event it is shown as "<kind> <entity>".
struct Recorder final : rules::Rule {
    mutable std::vector<std::string> seen;
    std::string_view id() const override { return "P1"; }
    bool interested(const rules::Event&) const override { return true; }
    rules::Decision decide(const rules::RuleContext& c) const override {
        const char* kind = c.event.kind == rules::EventKind::call_ended     ? "call"
                           : c.event.kind == rules::EventKind::chat_message ? "chat"
                           : c.event.kind == rules::EventKind::created      ? "created"
                                                                            : "other";
        seen.push_back(std::string(kind) + " " + c.event.entity.key());
        return {};
    }
};

struct Rig {
    TempDir dir;
    store::SqliteStore store{dir.file("state.db")};
    StoreWorld world{store};
    std::shared_ptr<Recorder> rule = std::make_shared<Recorder>();
    RuleSet set;

    Rig() {
        set.slots = {{rule, false}};
        set.calendar = std::make_shared<const Calendar>(russian_calendar_2026());
    }
    void known(const rules::Lead& l) { store.put_snapshot(snapshot_of({"lead", l.id}, l, kNow)); }
    store::EngineCommit step(const std::vector<store::StoredEvent>& events, const Reads& reads = {},
                             CallTargets targets = {}) {
        StepBuilder b(store, world, set, kNow, false);
        b.set_call_targets(std::move(targets));
        for (const auto& e : events)
            b.add_event(e, reads);
        auto work = b.take();
        store.commit(work);
        return work;
    }
};

store::StoredEvent call_event(std::int64_t id, const std::string& call_id) {
    store::StoredEvent e;
    e.id = id;
    e.event.source = "bitrix";
    e.event.kind = "ONVOXIMPLANTCALLEND";
    e.event.entity_key = "call:" + call_id;
    rules::Call c;
    c.call_id = call_id;
    c.type = 2;
    c.phone = "+79123456789";
    c.failed_code = "304";
    c.crm_activity_id = "900";
    c.start = kNow;
    e.event.payload = json{{"call", c}}.dump();
    e.event.received_at = kNow;
    return e;
}

store::StoredEvent chat_event(std::int64_t id) {
    store::StoredEvent e;
    e.id = id;
    e.event.source = "wazzup";
    e.event.kind = "wazzup.message";
    e.event.entity_key = "chat:79123456789";
    e.event.payload =
        json{{"message_id", "m-1"}, {"chat_id", "79123456789"}, {"inbound", true}}.dump();
    e.event.received_at = kNow;
    return e;
}

}  // namespace

TEST_CASE("call target: the activity's owner, else the statistics' entity", "[call_target]") {
    rules::Activity a;
    a.id = "900";
    a.owner_type_id = 1;
    a.owner_id = "8";
    CHECK(target_from_activity(a) == CallTarget::of_lead("8"));
    a.owner_type_id = 2;
    CHECK(target_from_activity(a)->kind == CallTarget::Kind::other);
    CHECK_FALSE(target_from_activity(std::monostate{}));

    auto read = call_statistic_read("externalCall.5");
    CHECK(read.method == "voximplant.statistic.get");
    CHECK(read.params == json{{"FILTER", {{"CALL_ID", "externalCall.5"}}}});
    CHECK(target_from_statistic(json::array({{{"CALL_ID", "externalCall.5"},
                                              {"CRM_ENTITY_TYPE", "LEAD"},
                                              {"CRM_ENTITY_ID", "8"}}})) ==
          CallTarget::of_lead("8"));
    CHECK(target_from_statistic(
              json::array({{{"CRM_ENTITY_TYPE", "CONTACT"}, {"CRM_ENTITY_ID", "3"}}}))
              .kind == CallTarget::Kind::other);
    CHECK(target_from_statistic(json::array()).kind == CallTarget::Kind::unnamed);
    CHECK(target_from_statistic(json::array({{{"CRM_ENTITY_TYPE", ""}, {"CRM_ENTITY_ID", ""}}}))
              .kind == CallTarget::Kind::unnamed);
}

TEST_CASE("choose_lead: the newest lead in work, else the newest", "[call_target]") {
    CHECK_FALSE(choose_lead({}));
    auto older = lead("7", "2026-02-01T10:00:00+03:00");
    auto newer = lead("8", "2026-02-20T10:00:00+03:00");
    auto newest_closed = lead("9", "2026-03-01T10:00:00+03:00", "F");
    CHECK(choose_lead({older, newer, newest_closed}) == "8");
    CHECK(choose_lead({newest_closed, older}) == "7");
    auto also_closed = lead("6", "2026-01-01T10:00:00+03:00", "S");
    CHECK(choose_lead({also_closed, newest_closed}) == "9");
    // Created in the same second: the higher id is the later one ("10" after "9").
    auto ten = lead("10", "2026-02-20T10:00:00+03:00");
    auto nine = lead("9", "2026-02-20T10:00:00+03:00");
    CHECK(choose_lead({ten, nine}) == "10");
}

TEST_CASE("engine step: a call reaches the one lead the portal names, not every duplicate",
          "[call_target][engine_step]") {
    Rig rig;
    rig.known(lead("7", "2026-02-01T10:00:00+03:00"));
    rig.known(lead("8", "2026-02-20T10:00:00+03:00"));
    auto work = rig.step({call_event(1, "c-1")}, {}, {{1, CallTarget::of_lead("7")}});
    CHECK(rig.rule->seen == std::vector<std::string>{"call lead:7"});
    CHECK(work.done_event_ids == std::vector<std::int64_t>{1});
    // R4's call log holds it under lead 7 only.
    auto calls = rig.world.calls_of({"lead", "8"});
    CHECK(calls.empty());
    CHECK(rig.world.calls_of({"lead", "7"}).size() == 1);
}

TEST_CASE("engine step: a call the portal names no entity for reaches one lead by its number",
          "[call_target][engine_step]") {
    Rig rig;
    rig.known(lead("7", "2026-02-01T10:00:00+03:00"));
    rig.known(lead("8", "2026-02-20T10:00:00+03:00"));
    rig.known(lead("9", "2026-02-25T10:00:00+03:00", "F"));
    rig.step({call_event(1, "c-1")}, {}, {{1, CallTarget{}}});
    CHECK(rig.rule->seen == std::vector<std::string>{"call lead:8"});
    // A call the portal binds to a contact or deal is no lead's.
    rig.rule->seen.clear();
    rig.step({call_event(2, "c-2")}, {}, {{2, CallTarget{CallTarget::Kind::other, {}}}});
    CHECK(rig.rule->seen.empty());
}

TEST_CASE("engine step: a client's WhatsApp message is one conversation, on one lead",
          "[call_target][engine_step]") {
    Rig rig;
    rig.known(lead("7", "2026-02-01T10:00:00+03:00"));
    rig.known(lead("8", "2026-02-20T10:00:00+03:00"));
    rig.step({chat_event(1)});
    CHECK(rig.rule->seen == std::vector<std::string>{"chat lead:8"});
}

TEST_CASE("engine step: a call for a lead not seen yet makes it known as new, then the call",
          "[call_target][engine_step]") {
    Rig rig;
    Reads reads{{"lead:7", lead("7", "2026-03-02T11:59:00+03:00")}};
    store::StoredEvent add;
    add.id = 2;
    add.event.source = "bitrix";
    add.event.kind = "ONCRMLEADADD";
    add.event.entity_key = "lead:7";
    add.event.payload = "{}";
    add.event.received_at = kNow;
    // The call came first in the backlog; the lead's own ADD after it is then no news.
    rig.step({call_event(1, "c-1"), add}, reads, {{1, CallTarget::of_lead("7")}});
    CHECK(rig.rule->seen == std::vector<std::string>{"created lead:7", "call lead:7"});
    CHECK(reads_needed(std::vector<store::StoredEvent>{call_event(3, "c-3")}, rig.store,
                       {{3, CallTarget::of_lead("12")}}) ==
          std::vector<rules::EntityRef>{rules::EntityRef{"lead", "12"}});
}

TEST_CASE("engine step: a lead created earlier in the same step is found by the number",
          "[call_target][engine_step]") {
    Rig rig;
    Reads reads{{"lead:7", lead("7", "2026-03-02T11:59:00+03:00")}};
    store::StoredEvent add;
    add.id = 1;
    add.event.source = "bitrix";
    add.event.kind = "ONCRMLEADADD";
    add.event.entity_key = "lead:7";
    add.event.payload = "{}";
    add.event.received_at = kNow;
    rig.step({add, chat_event(2)}, reads);
    CHECK(rig.rule->seen == std::vector<std::string>{"created lead:7", "chat lead:7"});
}

}  // namespace call_target_test

namespace call_target_test {

TEST_CASE("replacement report: a call counts once, on its own lead", "[call_target][R4]") {
    auto row = [](const std::string& id, const std::string& created) {
        return json{
            {"ID", id},
            {"TITLE", "Заявка"},
            {"STATUS_ID", "NEW"},
            {"STATUS_SEMANTIC_ID", "P"},
            {"DATE_CREATE", created},
            {"PHONE", json::array({{{"VALUE", "+79123456789"}, {"VALUE_TYPE", "MOBILE"}}})}};
    };
    json leads =
        json::array({row("7", "2026-03-02T09:00:00+03:00"), row("8", "2026-03-02T10:00:00+03:00")});
    auto call = [](const std::string& id, const std::string& type, const std::string& entity) {
        return json{{"CALL_ID", id},
                    {"CALL_TYPE", "1"},
                    {"PHONE_NUMBER", "+79123456789"},
                    {"CALL_DURATION", "0"},
                    {"CALL_START_DATE", "2026-03-02T11:00:00+03:00"},
                    {"CALL_FAILED_CODE", "486"},
                    {"CRM_ENTITY_TYPE", type},
                    {"CRM_ENTITY_ID", entity}};
    };
    json calls = json::array({call("a", "LEAD", "7"), call("b", "", ""), call("c", "LEAD", "99"),
                              call("d", "CONTACT", "3")});
    auto numbers = number_records(leads, calls, "", "");
    REQUIRE(numbers.size() == 2);
    // "a" is lead 7's; "b" names nobody and goes to the newest lead in work; "c" is a lead
    // outside the report, "d" a contact's: neither is counted on these leads.
    CHECK(numbers[0].lead_id == "7");
    CHECK(numbers[0].attempts.size() == 1);
    CHECK(numbers[1].lead_id == "8");
    CHECK(numbers[1].attempts.size() == 1);
}

}  // namespace call_target_test
