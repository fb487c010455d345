// The engine's decision step against a real SQLite store, without a portal: which events reach
// which rules with what before/after, and that everything decided is in the commit.
#include <catch2/catch.hpp>

#include "daemon/engine_step.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/store_world.hpp"
#include "rules/iso_time.hpp"
#include "store/sqlite_store.hpp"
#include "tests/unit/store/temp_dir.hpp"
#include "wazzup/unknown_send.hpp"

namespace engine_step_test {

using namespace reglament;
using namespace reglament::daemon;
using nlohmann::json;
using store::testing::TempDir;

namespace {

const TimePoint kNow = *parse_iso8601("2026-03-02T09:00:00+03:00");

// A probe rule: records what it was shown and answers with what the test tells it to.
struct Probe final : rules::Rule {
    std::string name = "P1";
    std::vector<rules::EventKind> wants{rules::EventKind::created, rules::EventKind::updated,
                                        rules::EventKind::sweep, rules::EventKind::timer};
    mutable std::vector<std::pair<rules::EventKind, std::string>> seen;  // kind, after's owner
    mutable std::vector<bool> by_daemon;                                 // Event::by_daemon
    mutable std::vector<bool> in_process;  // the lead after, as the rules see it
    std::vector<std::string> exits;
    std::function<rules::Decision(const rules::RuleContext&)> answer;

    std::string_view id() const override { return name; }
    std::vector<std::string> exit_status_ids() const override { return exits; }
    bool interested(const rules::Event& e) const override {
        return std::find(wants.begin(), wants.end(), e.kind) != wants.end();
    }
    rules::Decision decide(const rules::RuleContext& c) const override {
        const auto* lead = std::get_if<rules::Lead>(&c.after);
        seen.emplace_back(c.event.kind, lead ? lead->assigned_by_id : "");
        by_daemon.push_back(c.event.by_daemon);
        in_process.push_back(lead && lead->in_process());
        return answer ? answer(c) : rules::Decision{};
    }
};

rules::Lead lead(const std::string& id, const std::string& who) {
    rules::Lead l;
    l.id = id;
    l.title = "Заявка";
    l.status_id = "NEW";
    l.status_semantic = "P";
    l.assigned_by_id = who;
    l.phones = {"+7 912 345-67-89"};
    return l;
}

store::StoredEvent bitrix_event(std::int64_t id, const std::string& name, const std::string& key) {
    store::StoredEvent e;
    e.id = id;
    e.event.source = "bitrix";
    e.event.kind = name;
    e.event.entity_key = key;
    e.event.payload = "{}";
    e.event.received_at = kNow;
    return e;
}

struct Rig {
    TempDir dir;
    store::SqliteStore store{dir.file("state.db")};
    StoreWorld world{store};
    std::shared_ptr<Probe> first = std::make_shared<Probe>();
    std::shared_ptr<Probe> second = std::make_shared<Probe>();
    RuleSet set;

    Rig() {
        second->name = "P2";
        set.slots = {{first, false}, {second, false}};
        set.calendar = std::make_shared<const Calendar>(russian_calendar_2026());
    }
    store::EngineCommit step(const std::vector<store::StoredEvent>& events, const Reads& reads,
                             bool dry_run = false) {
        StepBuilder b(store, world, set, kNow, dry_run);
        for (const auto& e : events)
            b.add_event(e, reads);
        auto work = b.take();
        store.commit(work);
        return work;
    }
};

}  // namespace

TEST_CASE("first sight is creation — an unchanged re-read is an echo no rule sees",
          "[engine_step]") {
    Rig rig;
    Reads reads{{"lead:7", lead("7", "11")}};
    auto first = rig.step({bitrix_event(1, "ONCRMLEADUPDATE", "lead:7")}, reads);
    REQUIRE(rig.first->seen.size() == 1);
    CHECK(rig.first->seen[0].first == rules::EventKind::created);
    CHECK(first.done_event_ids == std::vector<std::int64_t>{1});
    REQUIRE(first.snapshots.size() == 1);
    CHECK(first.snapshots[0].entity_key == "lead:7");

    // The same lead again (our own write coming back): done, nothing decided.
    auto echo = rig.step({bitrix_event(2, "ONCRMLEADUPDATE", "lead:7")}, reads);
    CHECK(rig.first->seen.size() == 1);
    CHECK(echo.done_event_ids == std::vector<std::int64_t>{2});

    // A real change is an update with before and after.
    auto changed = rig.step({bitrix_event(3, "ONCRMLEADUPDATE", "lead:7")},
                            Reads{{"lead:7", lead("7", "12")}});
    REQUIRE(rig.first->seen.size() == 2);
    CHECK(rig.first->seen[1] == std::make_pair(rules::EventKind::updated, std::string("12")));
    (void)changed;

    // Gone from the portal: deleted, and the snapshot with it.
    rig.first->wants.push_back(rules::EventKind::deleted);
    auto gone = rig.step({bitrix_event(4, "ONCRMLEADDELETE", "lead:7")},
                         Reads{{"lead:7", std::monostate{}}});
    CHECK(rig.first->seen.back().first == rules::EventKind::deleted);
    CHECK(gone.snapshot_erases == std::vector<std::string>{"lead:7"});
    CHECK_FALSE(rig.store.get_snapshot("lead:7"));
}

TEST_CASE("a closed lead forgotten by retention comes back as known, not as a new lead",
          "[engine_step][retention]") {
    Rig rig;
    auto converted = lead("7", "11");
    converted.status_id = "CONVERTED";
    converted.status_semantic = "S";
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, converted, kNow - std::chrono::days(200)));
    CHECK_FALSE(rig.store.get_snapshot("lead:7")->open);
    REQUIRE(rig.store.prune_closed_snapshots(kNow - std::chrono::days(180), 100) == 1);

    // Reopened half a year later: no rule takes it for a lead that just arrived.
    auto work = rig.step({bitrix_event(1, "ONCRMLEADUPDATE", "lead:7")},
                         Reads{{"lead:7", lead("7", "11")}});
    CHECK(rig.first->seen.empty());
    CHECK(work.done_event_ids == std::vector<std::int64_t>{1});
    auto snap = rig.store.get_snapshot("lead:7");
    REQUIRE(snap);
    CHECK(snap->open);
    // From then on it is an ordinary lead: its next change is an update.
    rig.step({bitrix_event(2, "ONCRMLEADUPDATE", "lead:7")}, Reads{{"lead:7", lead("7", "12")}});
    REQUIRE(rig.first->seen.size() == 1);
    CHECK(rig.first->seen[0].first == rules::EventKind::updated);
}

TEST_CASE("a later rule sees the lead as an earlier rule's write leaves it", "[engine_step]") {
    Rig rig;
    rig.first->answer = [](const rules::RuleContext& c) {
        rules::Decision d;
        d.actions.push_back({"lead.update", c.event.entity,
                             json{{"lead_id", "7"}, {"fields", {{"ASSIGNED_BY_ID", "13"}}}},
                             "assign", "rotation"});
        return d;
    };
    auto work =
        rig.step({bitrix_event(1, "ONCRMLEADADD", "lead:7")}, Reads{{"lead:7", lead("7", "1")}});
    REQUIRE(rig.second->seen.size() == 1);
    CHECK(rig.second->seen[0].second == "13");
    REQUIRE(work.outbox_actions.size() == 1);
    CHECK(work.outbox_actions[0].idempotency_key == "P1:lead:7:assign");
    // The snapshot stays what the portal said; the echo of the write will update it.
    auto snap = rig.store.get_snapshot("lead:7");
    REQUIRE(snap);
    CHECK(std::get<rules::Lead>(entity_from_snapshot({"lead", "7"}, snap->json)).assigned_by_id ==
          "1");
}

TEST_CASE("a sweep that only queues actions and sets state is committed", "[engine_step]") {
    Rig rig;
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    rig.first->answer = [](const rules::RuleContext& c) {
        rules::Decision d;
        d.actions.push_back({"notify", c.event.entity, json{{"user_id", "1"}, {"message", "m"}},
                             "sweep", "a sweep found something"});
        d.state = json{{"noticed", true}};
        return d;
    };
    StepBuilder b(rig.store, rig.world, rig.set, kNow, false);
    b.add_sweep({"lead", "7"}, lead("7", "11"));
    auto work = b.take();
    CHECK(work.outbox_actions.size() == 1);
    CHECK(work.rule_states.size() == 1);
    CHECK(work.done_event_ids.empty());
    CHECK(work.journal_entries.empty());
}

TEST_CASE("dry-run journals a decision once and queues nothing", "[engine_step]") {
    Rig rig;
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    rig.first->answer = [](const rules::RuleContext& c) {
        rules::Decision d;
        d.actions.push_back({"task.add", c.event.entity, json{{"title", "t"}}, "k", "why"});
        return d;
    };
    for (int sweep = 0; sweep < 3; ++sweep) {
        StepBuilder b(rig.store, rig.world, rig.set, kNow, /*global_dry_run=*/true);
        b.add_sweep({"lead", "7"}, lead("7", "11"));
        auto work = b.take();
        rig.store.commit(work);
        CHECK(work.outbox_actions.empty());
        CHECK(work.journal_entries.size() == (sweep == 0 ? 1u : 0u));
    }
    auto lines = rig.store.query_journal({});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].dry_run);
    CHECK(lines[0].rule_id == "P1");
}

TEST_CASE("a fired timer reaches only the rule that armed it", "[engine_step]") {
    Rig rig;
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    store::StoredEvent timer;
    timer.id = 9;
    timer.event.source = "timer";
    timer.event.kind = "timer";
    timer.event.entity_key = "lead:7";
    timer.event.payload = json{{"rule_id", "P2"}, {"purpose", "call_due"}, {"due_at", 0}}.dump();
    rig.step({timer}, {});
    CHECK(rig.first->seen.empty());
    REQUIRE(rig.second->seen.size() == 1);
    CHECK(rig.second->seen[0].first == rules::EventKind::timer);
}

TEST_CASE("a later event of the same step sees an earlier event's writes", "[engine_step]") {
    // L4's timer reassigns the lead, then R1's timer in the same step — or a later one, before
    // the echo — notifies "the responsible": the new one, although the portal has not carried
    // the write out yet.
    Rig rig;
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    auto timer_of = [](std::int64_t id, const std::string& rule) {
        store::StoredEvent t;
        t.id = id;
        t.event.source = "timer";
        t.event.kind = "timer";
        t.event.entity_key = "lead:7";
        t.event.payload = json{{"rule_id", rule}, {"purpose", "due"}, {"due_at", 0}}.dump();
        return t;
    };
    rig.first->answer = [](const rules::RuleContext& c) {
        rules::Decision d;
        d.actions.push_back({"lead.update", c.event.entity,
                             json{{"lead_id", "7"}, {"fields", {{"ASSIGNED_BY_ID", "14"}}}},
                             "reassign", "not taken in"});
        return d;
    };
    rig.step({timer_of(1, "P1"), timer_of(2, "P2")}, {});
    REQUIRE(rig.second->seen.size() == 1);
    CHECK(rig.second->seen[0].second == "14");
    // The write still waits in the outbox: the next step sees it as made too, not the
    // portal's older word.
    rig.step({timer_of(3, "P2")}, {});
    REQUIRE(rig.second->seen.size() == 2);
    CHECK(rig.second->seen[1].second == "14");
    // Carried out, and a manager has since given the lead to someone else: the portal's word.
    for (const auto& a : rig.store.next_ready(kNow + std::chrono::hours(1), 10))
        rig.store.mark_action_done(a.id, "{}", {});
    rig.store.put_snapshot(
        snapshot_of({"lead", "7"}, lead("7", "12"), kNow + std::chrono::minutes(1)));
    rig.step({timer_of(4, "P2")}, {});
    REQUIRE(rig.second->seen.size() == 3);
    CHECK(rig.second->seen[2].second == "12");
}

TEST_CASE("a message's Wazzup status never goes back — a repeated one is not news",
          "[engine_step]") {
    Rig rig;
    rig.first->wants = {rules::EventKind::chat_status};
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    rig.store.put_kv("wazzup.sent:m-1", json{{"entity_key", "lead:7"}, {"rule_id", "P1"}}.dump());
    auto status = [](std::int64_t id, const std::string& value) {
        store::StoredEvent e;
        e.id = id;
        e.event.source = "wazzup";
        e.event.kind = "wazzup.status";
        e.event.entity_key = "wazzup_message:m-1";
        e.event.payload = json{{"message_id", "m-1"}, {"status", value}}.dump();
        e.event.received_at = kNow;
        return e;
    };
    std::vector<std::string> seen;
    rig.first->answer = [&seen](const rules::RuleContext& c) {
        seen.push_back(c.event.message->status);
        return rules::Decision{};
    };
    // Read overtakes delivered; in the same step, then across steps.
    rig.step({status(1, "sent"), status(2, "read"), status(3, "delivered")}, {});
    rig.step({status(4, "delivered"), status(5, "read"), status(6, "error")}, {});
    CHECK(seen == std::vector<std::string>{"sent", "read"});
    auto kept = rig.store.get_kv("wazzup.sent:m-1");
    REQUIRE(kept);
    CHECK(json::parse(*kept)["status"] == "read");
}

TEST_CASE("the echo of a message we sent is its delivery status, not a manager's message",
          "[engine_step]") {
    Rig rig;
    rig.first->wants = {rules::EventKind::chat_status, rules::EventKind::chat_message};
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    rig.store.put_kv("wazzup.sent:ours", json{{"entity_key", "lead:7"}, {"rule_id", "L5"}}.dump());
    auto echo = [](std::int64_t id, const std::string& message_id, const std::string& status) {
        store::StoredEvent e;
        e.id = id;
        e.event.source = "wazzup";
        e.event.kind = "wazzup.message";
        e.event.entity_key = "chat:79123456789";
        json m = {{"message_id", message_id},
                  {"chat_id", "79123456789"},
                  {"inbound", false},
                  {"status", status}};
        if (status == "error") m["error_code"] = "BAD_CONTACT";
        e.event.payload = m.dump();
        e.event.received_at = kNow;
        return e;
    };
    std::vector<std::string> seen;
    rig.first->answer = [&seen](const rules::RuleContext& c) {
        seen.push_back(
            std::string(c.event.kind == rules::EventKind::chat_status ? "status " : "message ") +
            c.event.entity.key() + " " + c.event.message->message_id + " " +
            c.event.message->status + " " + c.event.message->error_code);
        return rules::Decision{};
    };
    // Ours failed (messages[] with status error); a manager's reply from the Wazzup app.
    rig.step({echo(1, "ours", "error"), echo(2, "manager", "sent")}, {});
    CHECK(seen == std::vector<std::string>{"status lead:7 ours error BAD_CONTACT",
                                           "message lead:7 manager sent "});
    auto kept = rig.store.get_kv("wazzup.sent:ours");
    REQUIRE(kept);
    CHECK(json::parse(*kept)["status"] == "error");
}

TEST_CASE("the echo of a send whose answer was lost is ours, kept for the outbox",
          "[engine_step][wazzup]") {
    Rig rig;
    rig.first->wants = {rules::EventKind::chat_status, rules::EventKind::chat_message};
    rig.set.send_refused.text = "«{template}» для «{title}» не ушло: {reason}";
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    const auto fp = wazzup::echo_fingerprint("chan-1", "79123456789", "Не дозвонились", false);
    const auto first_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(kNow.time_since_epoch()).count();
    rig.store.put_kv("wazzup.sending:" + fp, json{{"entity_key", "lead:7"},
                                                  {"rule_id", "L5"},
                                                  {"template", "Недозвон"},
                                                  {"first_at", first_ms}}
                                                 .dump());
    auto echo = [](std::int64_t id, const std::string& message_id, const std::string& text,
                   const std::string& status) {
        store::StoredEvent e;
        e.id = id;
        e.event.source = "wazzup";
        e.event.kind = "wazzup.message";
        e.event.entity_key = "chat:79123456789";
        json m = {{"message_id", message_id},
                  {"channel_id", "chan-1"},
                  {"chat_id", "79123456789"},
                  {"inbound", false},
                  {"status", status},
                  {"text", text},
                  {"at", "2026-03-02T09:00:01+03:00"}};
        if (status == "error") m["error_code"] = "BAD_CONTACT";
        e.event.payload = m.dump();
        e.event.received_at = kNow;
        return e;
    };
    std::vector<std::string> seen;
    rig.first->answer = [&seen](const rules::RuleContext& c) {
        seen.push_back(
            std::string(c.event.kind == rules::EventKind::chat_status ? "status " : "message ") +
            c.event.message->message_id + " " + c.event.message->status);
        return rules::Decision{};
    };
    auto work = rig.step(
        {echo(1, "m-1", "Не дозвонились", "error"), echo(2, "m-2", "Перезвоню вечером", "sent")},
        {});
    // Ours: a status of the send (and its failure told to the responsible); the manager's own
    // message stays a message.
    CHECK(seen == std::vector<std::string>{"status m-1 error", "message m-2 sent"});
    auto sent = rig.store.get_kv("wazzup.sent:m-1");
    REQUIRE(sent);
    CHECK(json::parse(*sent)["entity_key"] == "lead:7");
    auto kept = rig.store.get_kv("wazzup.echo:" + fp);
    REQUIRE(kept);
    CHECK(json::parse(*kept)["message_id"] == "m-1");
    REQUIRE(work.outbox_actions.size() == 1);
    auto notice = json::parse(work.outbox_actions[0].payload);
    CHECK(notice["params"]["user_id"] == "11");
    CHECK(notice["params"]["message"] ==
          "«Недозвон» для «Заявка» не ушло: у номера клиента нет WhatsApp");
}

TEST_CASE("a deal's stage history is read when it moved — the rules see it before the commit",
          "[engine_step]") {
    Rig rig;
    rules::Deal deal;
    deal.id = "5";
    deal.category_id = "0";
    deal.stage_id = "NEW";
    deal.moved = kNow - std::chrono::hours(1);
    auto deal_event = [](std::int64_t id, bool initial_sync = false) {
        store::StoredEvent e;
        e.id = id;
        e.event.source = "poller";
        e.event.kind = "poll.deal";
        e.event.entity_key = "deal:5";
        e.event.payload = json{{"id", "5"}, {"initial_sync", initial_sync}}.dump();
        e.event.received_at = kNow;
        return e;
    };
    std::vector<store::StoredEvent> events{deal_event(1)};
    // No snapshot yet: read it, except for the first start's initial sync.
    CHECK(histories_needed(events, Reads{{"deal:5", deal}}, rig.store) ==
          std::vector<std::string>{"5"});
    CHECK(histories_needed(std::vector<store::StoredEvent>{deal_event(1, true)},
                           Reads{{"deal:5", deal}}, rig.store)
              .empty());
    CHECK(histories_needed(events, Reads{{"deal:5", std::monostate{}}}, rig.store).empty());
    rig.store.put_snapshot(snapshot_of({"deal", "5"}, deal, kNow));
    CHECK(histories_needed(events, Reads{{"deal:5", deal}}, rig.store).empty());
    auto back = deal;
    back.moved = kNow;  // away and back since the snapshot
    CHECK(histories_needed(events, Reads{{"deal:5", back}}, rig.store) ==
          std::vector<std::string>{"5"});

    std::vector<std::string> seen;
    rig.first->answer = [&](const rules::RuleContext& c) {
        for (const auto& entry : c.world.stage_history("5"))
            seen.push_back(entry.stage_id);
        return rules::Decision{};
    };
    json rows = json::array({{{"ID", "3"}, {"OWNER_ID", "5"}, {"STAGE_ID", "NEW"}},
                             {{"ID", "2"}, {"OWNER_ID", "5"}, {"STAGE_ID", "UC_PREMEASURE"}},
                             {{"ID", "1"}, {"OWNER_ID", "5"}, {"STAGE_ID", "NEW"}}});
    StepBuilder b(rig.store, rig.world, rig.set, kNow, false);
    b.add_stage_history("5", stage_history_from_rest("5", rows));
    b.add_event(events[0], Reads{{"deal:5", back}});
    auto work = b.take();
    CHECK(seen == std::vector<std::string>{"NEW", "UC_PREMEASURE", "NEW"});
    rig.store.commit(work);
    CHECK(rig.world.stage_history("5").size() == 3);

    // Gone from the portal: its history goes with it.
    rig.first->wants.push_back(rules::EventKind::deleted);
    auto gone = rig.step({deal_event(2)}, Reads{{"deal:5", std::monostate{}}});
    CHECK(std::count(gone.snapshot_erases.begin(), gone.snapshot_erases.end(), "stage_history:5") ==
          1);
    CHECK(rig.world.stage_history("5").empty());
}

TEST_CASE("engine step: a deal's listed comments are kept and seen by the step's rules",
          "[engine_step]") {
    Rig rig;
    rules::Deal deal;
    deal.id = "5";
    deal.stage_id = "LOSE";
    auto event = bitrix_event(1, "ONCRMDEALUPDATE", "deal:5");
    // Comment 7 came through its event once; it has since been deleted at the portal.
    rules::TimelineComment gone;
    gone.id = "7";
    gone.owner_type = "deal";
    gone.owner_id = "5";
    gone.text = "старый";
    rig.store.put_snapshot(snapshot_of({"timeline_comment", "7"}, gone, kNow));

    std::vector<std::string> seen;
    rig.first->answer = [&](const rules::RuleContext& c) {
        seen.clear();
        for (const auto& comment : c.world.timeline_comments({"deal", "5"}))
            seen.push_back(comment.text);
        return rules::Decision{};
    };
    json listed = json::array(
        {{{"ID", "9"}, {"ENTITY_ID", "5"}, {"ENTITY_TYPE", "deal"}, {"COMMENT", "дорого"}},
         {{"ID", "8"}, {"ENTITY_ID", "6"}, {"ENTITY_TYPE", "deal"}, {"COMMENT", "чужой"}}});

    SECTION("a complete list replaces what was kept") {
        StepBuilder b(rig.store, rig.world, rig.set, kNow, false);
        b.add_deal_comments("5", deal_comments_from_rest("5", listed));
        b.add_event(event, Reads{{"deal:5", deal}});
        rig.store.commit(b.take());
        CHECK(seen == std::vector<std::string>{"дорого"});
        auto kept = rig.world.timeline_comments({"deal", "5"});
        REQUIRE(kept.size() == 1);
        CHECK(kept[0].id == "9");
    }
    SECTION("a full page is merged with what was kept") {
        json page = json::array();
        for (int i = 100; i < 150; ++i)
            page.push_back({{"ID", std::to_string(i)},
                            {"ENTITY_ID", "5"},
                            {"ENTITY_TYPE", "deal"},
                            {"COMMENT", "№" + std::to_string(i)}});
        StepBuilder b(rig.store, rig.world, rig.set, kNow, false);
        b.add_deal_comments("5", deal_comments_from_rest("5", page));
        b.add_event(event, Reads{{"deal:5", deal}});
        rig.store.commit(b.take());
        CHECK(seen.size() == 51);
        CHECK(std::count(seen.begin(), seen.end(), "старый") == 1);
        CHECK(rig.world.timeline_comments({"deal", "5"}).size() == 51);
    }
}

}  // namespace engine_step_test

namespace engine_step_test {

namespace {

rules::Task own_task(const std::string& id, const std::string& who, const std::string& lead_id) {
    rules::Task t;
    t.id = id;
    t.title = "[Регламент] Позвонить клиенту (попытка 1 из 5)";
    t.description = "План дозвона\n\nreglament:R2:lead:" + lead_id + ":attempt:1";
    t.responsible_id = who;
    t.status = 2;
    t.crm_bindings = {"L_" + lead_id};
    return t;
}

}  // namespace

TEST_CASE("engine step: the echo of the daemon's own write reaches the rules as the daemon's",
          "[engine_step][footprints]") {
    Rig rig;
    rig.first->wants.push_back(rules::EventKind::deleted);
    rules::Task open = own_task("40", "11", "7");
    rig.step({bitrix_event(1, "ONTASKADD", "task:40")}, Reads{{"task:40", open}});
    // P1 (R2 reaching the client) completes the task.
    rig.first->answer = [](const rules::RuleContext& c) {
        rules::Decision d;
        if (c.event.kind == rules::EventKind::sweep)
            d.actions.push_back({"task.complete", c.event.entity, json{{"task_id", "40"}},
                                 "reached:40", "reached"});
        return d;
    };
    {
        StepBuilder b(rig.store, rig.world, rig.set, kNow, false);
        b.add_sweep({"task", "40"}, open);
        rig.store.commit(b.take());
    }
    rig.first->answer = nullptr;
    rules::Task closed = open;
    closed.status = 5;
    closed.closed = kNow;
    closed.changed = kNow;
    rig.step({bitrix_event(2, "ONTASKUPDATE", "task:40")}, Reads{{"task:40", closed}});
    REQUIRE(rig.second->by_daemon.size() == 3);  // created, sweep, the echo
    CHECK(rig.second->by_daemon.back());
    // The same task reopened and renamed by a person: theirs.
    rules::Task renamed = closed;
    renamed.status = 2;
    renamed.title = "Перезвонить завтра";
    rig.step({bitrix_event(3, "ONTASKUPDATE", "task:40")}, Reads{{"task:40", renamed}});
    CHECK_FALSE(rig.second->by_daemon.back());
}

TEST_CASE(
    "engine step: a lead that leaves the process closes the daemon's tasks on it — a "
    "hand-over moves them",
    "[engine_step][footprints]") {
    Rig rig;
    rig.first->exits = {"JUNK"};
    rig.store.put_snapshot(snapshot_of({"lead", "7"}, lead("7", "11"), kNow));
    rig.store.put_snapshot(snapshot_of({"task", "40"}, own_task("40", "11", "7"), kNow));
    rules::Task peoples = own_task("41", "11", "7");
    peoples.description = "Спросить про балкон";
    rig.store.put_snapshot(snapshot_of({"task", "41"}, peoples, kNow));

    SECTION("handed to another manager") {
        auto work = rig.step({bitrix_event(1, "ONCRMLEADUPDATE", "lead:7")},
                             Reads{{"lead:7", lead("7", "12")}});
        REQUIRE(work.outbox_actions.size() == 1);
        const auto& a = work.outbox_actions[0];
        CHECK(a.kind == "task.update");
        CHECK(a.rule_id == "lead-life");
        auto params = json::parse(a.payload)["params"];
        CHECK(params["task_id"] == "40");
        CHECK(params["fields"]["RESPONSIBLE_ID"] == "12");
    }
    SECTION("rejected by a rule in the same step: later rules see it out of the process") {
        rig.first->answer = [](const rules::RuleContext& c) {
            rules::Decision d;
            d.actions.push_back({"lead.update", c.event.entity,
                                 json{{"lead_id", "7"}, {"fields", {{"STATUS_ID", "JUNK"}}}},
                                 "invalid:status", "implausible phone"});
            return d;
        };
        rules::Lead changed = lead("7", "11");
        changed.title = "Заявка: телефон 000";
        auto work =
            rig.step({bitrix_event(1, "ONCRMLEADUPDATE", "lead:7")}, Reads{{"lead:7", changed}});
        REQUIRE(rig.second->in_process.size() == 1);
        CHECK_FALSE(rig.second->in_process[0]);
        std::vector<std::string> kinds;
        for (const auto& a : work.outbox_actions)
            kinds.push_back(a.kind + " " + json::parse(a.payload)["params"].value("task_id", ""));
        CHECK(kinds == std::vector<std::string>{"lead.update ", "task.complete 40"});
    }
    SECTION("deleted") {
        rig.first->wants.push_back(rules::EventKind::deleted);
        auto work = rig.step({bitrix_event(1, "ONCRMLEADDELETE", "lead:7")},
                             Reads{{"lead:7", std::monostate{}}});
        REQUIRE(work.outbox_actions.size() == 1);
        CHECK(work.outbox_actions[0].kind == "task.complete");
    }
}

}  // namespace engine_step_test
