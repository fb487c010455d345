#include "fixture.hpp"

namespace deal_rules_test {

using namespace dealtest;

TEST_CASE("D1: a deal moved Предзамер → Просчёт is put back, commented and reported",
          "[rules_deal]") {
    Run run("D1");
    auto before = full_deal("UC_PREMEASURE", "2026-03-20");
    auto after = before;
    after.stage_id = "NEW";
    after.moved = at("2026-03-10 12:00");
    auto d = run(event(EventKind::updated, "deal:7", at("2026-03-10 12:00")), before, after,
                 at("2026-03-10 12:00"));
    every_action_explained(d);
    REQUIRE(find(d, "deal.update"));
    CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PREMEASURE");
    CHECK(find(d, "timeline.comment"));
    std::vector<std::string> told;
    for (const auto& a : d.actions)
        if (a.kind == "notify") told.push_back(a.params["user_id"]);
    CHECK(told == std::vector<std::string>{"10", "1"});
}

TEST_CASE("D1: after a dropped event the stage history restores the last irreversible stage",
          "[rules_deal]") {
    Run run("D1", {{"head", "rop"}});
    auto now = at("2026-03-10 12:05");
    auto deal = full_deal("NEW", "2026-03-20");
    run.world.history = {{1, "0", "NEW", "P", at("2026-03-01 10:00")},
                         {2, "0", "UC_MEASURE", "P", at("2026-03-05 10:00")},
                         {2, "0", "NEW", "P", at("2026-03-10 12:00")}};
    auto d = run(event(EventKind::sweep, "deal:7", now), std::monostate{}, deal, now);
    REQUIRE(find(d, "deal.update"));
    CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_MEASURE");
}

TEST_CASE("D1: the stage history counts from the snapshot's move on", "[rules_deal]") {
    Run run("D1");
    auto now = at("2026-03-10 12:05");
    auto before = full_deal("NEW", "2026-03-20");
    before.moved = at("2026-03-05 10:00");
    // D3 sent the deal back from Предзамер for want of fields; the snapshot saw that. The
    // fields filled in later are no move back.
    run.world.history = {{1, "0", "NEW", "P", at("2026-03-01 10:00")},
                         {2, "0", "UC_PREMEASURE", "P", at("2026-03-05 10:00")},
                         {2, "0", "NEW", "P", at("2026-03-05 10:00")}};
    auto after = before;
    after.title = "Окна на Ленина, 1";
    CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
    CHECK(run(event(EventKind::sweep, "deal:7", now), after, after, now).empty());

    // Away to Предзамер and back while the daemon was down: the same stage, a later move.
    run.world.history.push_back({2, "0", "UC_PREMEASURE", "P", at("2026-03-10 11:00")});
    run.world.history.push_back({2, "0", "NEW", "P", at("2026-03-10 12:00")});
    after.moved = at("2026-03-10 12:00");
    auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
    every_action_explained(d);
    REQUIRE(find(d, "deal.update"));
    CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PREMEASURE");
    CHECK(find(d, "timeline.comment"));
}

TEST_CASE("D1: a stage held before the deal went to another pipeline does not count",
          "[rules_deal]") {
    Run run("D1");
    auto now = at("2026-04-01 10:05");
    // Предзамер, then «Отложенный спрос» (pipeline 1), then D7 returns it to sales in Перенос.
    run.world.history = {{1, "0", "NEW", "P", at("2026-03-01 10:00")},
                         {2, "0", "UC_PREMEASURE", "P", at("2026-03-02 10:00")},
                         {5, "1", "C1:APRIL", "P", at("2026-03-02 10:01")},
                         {5, "0", "PREPARATION", "P", at("2026-04-01 10:00")}};
    auto deal = full_deal("PREPARATION", "2026-04-20");
    deal.moved = at("2026-04-01 10:00");
    CHECK(run(event(EventKind::updated, "deal:7", now), std::monostate{}, deal, now).empty());
    // Back in Предзамер after the return, then moved back: that counts.
    run.world.history.push_back({2, "0", "UC_PREMEASURE", "P", at("2026-04-01 11:00")});
    run.world.history.push_back({2, "0", "PREPARATION", "P", at("2026-04-01 12:00")});
    deal.moved = at("2026-04-01 12:00");
    auto d = run(event(EventKind::updated, "deal:7", now), std::monostate{}, deal, now);
    REQUIRE(find(d, "deal.update"));
    CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PREMEASURE");
}

TEST_CASE("D1: forward moves and a deal that never reached Предзамер are left alone",
          "[rules_deal]") {
    Run run("D1");
    auto now = at("2026-03-10 12:00");
    auto before = full_deal("NEW", "2026-03-20");
    auto after = before;
    after.stage_id = "PREPARATION";
    CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
    after.stage_id = "UC_PREMEASURE";
    CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
}

TEST_CASE("D1: D3 sending back a deal without its fields is not undone", "[rules_deal]") {
    Run run("D1");
    auto now = at("2026-03-10 12:00");
    auto before = full_deal("UC_PREMEASURE", "2026-03-20");
    before.fields.erase("UF_CRM_ADDR_FLOOR");
    auto after = before;
    after.stage_id = "NEW";
    CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
}

TEST_CASE("D2: a measurement date 40 days out moves the deal to Отложенный спрос, that month",
          "[rules_deal]") {
    Run run("D2");
    auto now = at("2026-03-02 11:00");
    auto before = full_deal("NEW", "");
    auto after = full_deal("UC_PREMEASURE", "2026-04-11");  // 40 days after 2 March
    after.moved = now;
    auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
    every_action_explained(d);
    const auto* move = find(d, "deal.move");
    REQUIRE(move);
    CHECK(move->params["category_id"] == "1");
    CHECK(move->params["stage_id"] == "C1:APRIL");
}

TEST_CASE("D2: a wrong choice between Предзамер and Замер is corrected", "[rules_deal]") {
    Run run("D2");
    auto now = at("2026-03-02 11:00");
    auto before = full_deal("NEW", "");
    SECTION("date in 2 days entered as Предзамер → Замер") {
        auto after = full_deal("UC_PREMEASURE", "2026-03-04");
        auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
        REQUIRE(find(d, "deal.update"));
        CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_MEASURE");
    }
    SECTION("date in 10 days entered as Замер → Предзамер") {
        auto after = full_deal("UC_MEASURE", "12.03.2026");
        auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
        REQUIRE(find(d, "deal.update"));
        CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PREMEASURE");
    }
    SECTION("a deal D3 sends back is not re-staged") {
        auto after = full_deal("UC_PREMEASURE", "2026-03-04");
        after.fields.erase("UF_CRM_ADDR_CITY");
        CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
    }
    SECTION("a right choice is left alone") {
        auto after = full_deal("UC_PREMEASURE", "2026-03-06");  // 4 days: more than three
        CHECK(run(event(EventKind::updated, "deal:7", now), before, after, now).empty());
    }
}

TEST_CASE("D3: entering Предзамер without fields lists exactly what is missing", "[rules_deal]") {
    auto now = at("2026-03-02 11:00");
    auto before = full_deal("NEW", "2026-03-20");
    auto after = before;
    after.stage_id = "UC_PREMEASURE";
    after.fields.erase("UF_CRM_ADDR_ENTRANCE");
    after.fields["UF_CRM_ADDR_INTERCOM"] = "";
    after.fields["UF_CRM_VIDEO_ALLOWED"] = nullptr;
    SECTION("restored by default") {
        Run run("D3");
        auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
        every_action_explained(d);
        REQUIRE(find(d, "deal.update"));
        CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "NEW");
        REQUIRE(find(d, "task.add"));
        CHECK(find(d, "task.add")->params["title"] ==
              "Заполнить поля: Подъезд, Домофон, Видеосъёмка разрешена");
        CHECK(find(d, "task.add")->params["bindings"][0] == "D_7");
        CHECK(show(*parse_iso8601(find(d, "task.add")->params["deadline"].get<std::string>())) ==
              "2026-03-02 18:00");
    }
    SECTION("only a task when restore_stage = false") {
        Run run("D3", {{"restore_stage", false}});
        auto d = run(event(EventKind::updated, "deal:7", now), before, after, now);
        CHECK(kinds(d) == std::vector<std::string>{"task.add"});
    }
    SECTION("the \"Учёт клиентов\" seam: a record that disagrees is named") {
        Run run("D3");
        auto ok = before;
        ok.stage_id = "UC_PREMEASURE";
        run.world.accounting = ClientAccountingRecord{"2026-03-21", 115973.0};
        auto d = run(event(EventKind::updated, "deal:7", now), before, ok, now);
        CHECK(find(d, "task.add")->params["title"] ==
              "Заполнить поля: дата замера в «Учёте клиентов» не совпадает со сделкой");
        run.world.accounting = ClientAccountingRecord{"2026-03-20", 115973.0};
        CHECK(run(event(EventKind::updated, "deal:7", now), before, ok, now).empty());
    }
    SECTION("a complete deal passes") {
        Run run("D3");
        auto ok = before;
        ok.stage_id = "UC_PREMEASURE";
        CHECK(run(event(EventKind::updated, "deal:7", now), before, ok, now).empty());
    }
}

TEST_CASE("D4: the reminder is armed 3 days before, moves with the date, goes with the stage",
          "[rules_deal]") {
    Run run("D4");
    auto now = at("2026-03-02 11:00");
    auto before = full_deal("NEW", "2026-03-20");
    auto deal = full_deal("UC_PREMEASURE", "2026-03-20");
    auto d = run(event(EventKind::updated, "deal:7", now), before, deal, now);
    REQUIRE(d.timers.size() == 1);
    CHECK(show(*d.timers[0].due) == "2026-03-17 10:00");

    auto moved = full_deal("UC_PREMEASURE", "2026-03-16");  // 13 March is a Friday
    d = run(event(EventKind::updated, "deal:7", now), deal, moved, now);
    REQUIRE(d.timers.size() == 1);
    CHECK(show(*d.timers[0].due) == "2026-03-13 10:00");
    auto armed = d.timers[0];

    auto fired = run(timer("deal:7", armed), moved, moved, *armed.due);
    every_action_explained(fired);
    const auto* todo = find(fired, "activity.todo");
    REQUIRE(todo);
    CHECK(todo->params["title"] == "Связаться с клиентом и подтвердить дату замера");
    CHECK(todo->params["owner_id"] == "7");
    CHECK(run(timer("deal:7", armed), moved, moved, *armed.due).empty());  // once

    auto left = moved;
    left.stage_id = "UC_MEASURE";
    d = run(event(EventKind::updated, "deal:7", now), moved, left, now);
    REQUIRE(d.timers.size() == 1);
    CHECK_FALSE(d.timers[0].due);
}

TEST_CASE("D4: Повторный замер is reminded 3 days before, due 2 days before", "[rules_deal]") {
    Run run("D4");
    auto now = at("2026-03-02 11:00");
    auto deal = full_deal("UC_REMEASURE", "2026-03-12");
    auto d = run(event(EventKind::updated, "deal:7", now), full_deal("UC_MEASURE", "2026-03-03"),
                 deal, now);
    REQUIRE(d.timers.size() == 1);
    CHECK(show(*d.timers[0].due) == "2026-03-06 10:00");  // 9 March is a holiday, 7–8 weekend
    auto fired = run(timer("deal:7", d.timers[0]), deal, deal, *d.timers[0].due);
    REQUIRE(find(fired, "activity.todo"));
    CHECK(
        show(*parse_iso8601(find(fired, "activity.todo")->params["deadline"].get<std::string>())) ==
        "2026-03-10 18:00");
}

TEST_CASE("D5: the morning after a measurement: 10:15 no sheet, 10:45 engineer, 11:00 head",
          "[rules_deal]") {
    Run run("D5");
    auto now = at("2026-03-05 12:00");
    auto deal = full_deal("UC_MEASURE", "2026-03-06");  // Friday; next working day Tue 10 March
    auto d = run(event(EventKind::updated, "deal:7", now), full_deal("UC_PREMEASURE", "2026-03-06"),
                 deal, now);
    REQUIRE(d.timers.size() == 3);
    std::map<std::string, TimerChange> by;
    for (const auto& t : d.timers)
        by[t.purpose] = t;
    CHECK(show(*by["d5.sheet"].due) == "2026-03-10 10:15");
    CHECK(show(*by["d5.engineer"].due) == "2026-03-10 10:45");
    CHECK(show(*by["d5.result"].due) == "2026-03-10 11:00");

    SECTION("no contract, no sheets → Нет замерного листа") {
        auto fired = run(timer("deal:7", by["d5.sheet"]), deal, deal, *by["d5.sheet"].due);
        every_action_explained(fired);
        REQUIRE(find(fired, "deal.update"));
        CHECK(find(fired, "deal.update")->params["fields"]["STAGE_ID"] == "UC_NO_SHEET");
    }
    SECTION("sheets received → nothing at 10:15") {
        deal.fields["UF_CRM_MEASURE_SHEETS"] = "Y";
        CHECK(run(timer("deal:7", by["d5.sheet"]), deal, deal, *by["d5.sheet"].due).empty());
    }
    SECTION("10:45 the responsible, 11:00 the responsible and the head") {
        auto e = run(timer("deal:7", by["d5.engineer"]), deal, deal, *by["d5.engineer"].due);
        CHECK(kinds(e) == std::vector<std::string>{"notify"});
        auto r = run(timer("deal:7", by["d5.result"]), deal, deal, *by["d5.result"].due);
        CHECK(kinds(r) == std::vector<std::string>{"notify", "notify"});
    }
    SECTION("the stage shows the result → timers cancelled, nothing fires") {
        auto done = deal;
        done.stage_id = "UC_AFTER_MEASURE";
        auto c = run(event(EventKind::updated, "deal:7", now), deal, done, now);
        CHECK(c.timers.size() == 3);
        for (const auto& t : c.timers)
            CHECK_FALSE(t.due);
        CHECK(run(timer("deal:7", by["d5.result"]), done, done, *by["d5.result"].due).empty());
    }
}

TEST_CASE("D6: won without a discount is reopened with a task naming it", "[rules_deal]") {
    auto now = at("2026-03-11 10:50");
    auto before = full_deal("UC_PRECONTRACT", "2026-03-06");
    auto won = before;
    won.stage_id = "WON";
    won.stage_semantic = "S";
    won.opportunity = 250000;
    won.fields["UF_CRM_CONTRACT_NUMBER"] = "12455Ш";
    won.fields["UF_CRM_CLIENT_NAME"] = "Геннадий";
    SECTION("missing discount") {
        Run run("D6");
        auto d = run(event(EventKind::updated, "deal:7", now), before, won, now);
        every_action_explained(d);
        REQUIRE(find(d, "deal.update"));
        CHECK(find(d, "deal.update")->params["fields"]["STAGE_ID"] == "UC_PRECONTRACT");
        CHECK(find(d, "task.add")->params["title"] == "Заполнить раздел «Договор»: Скидка");
    }
    SECTION("complete, a zero discount included") {
        Run run("D6");
        won.fields["UF_CRM_DISCOUNT"] = 0;
        CHECK(run(event(EventKind::updated, "deal:7", now), before, won, now).empty());
    }
    SECTION("reopen = false: only the task") {
        Run run("D6", {{"reopen", false}});
        CHECK(kinds(run(event(EventKind::updated, "deal:7", now), before, won, now)) ==
              std::vector<std::string>{"task.add"});
    }
}

TEST_CASE("D6: lost needs the comment, the matching reason and before/after measurement",
          "[rules_deal]") {
    Run run("D6");
    auto now = at("2026-03-11 10:50");
    auto before = full_deal("UC_AFTER_MEASURE", "2026-03-06");
    auto lost = before;
    lost.stage_id = "LOSE";
    lost.stage_semantic = "F";
    lost.fields["UF_CRM_REFUSAL_REASON"] = "дорого";
    lost.fields["UF_CRM_REFUSAL_MOMENT"] = "Отказ перед замером";
    SECTION("no comment, wrong moment") {
        auto d = run(event(EventKind::updated, "deal:7", now), before, lost, now);
        CHECK(find(d, "task.add")->params["title"] ==
              "Оформить отказ по сделке: закреплённый комментарий с причиной отказа, «Отказ "
              "перед/после замера» не соответствует");
    }
    SECTION("all consistent") {
        run.world.comments = {
            {"5", "Клиент отказался: Дорого, нашёл дешевле", "10", now, {}, "deal", "1"}};
        lost.fields["UF_CRM_REFUSAL_MOMENT"] = "Отказ после замера";
        CHECK(run(event(EventKind::updated, "deal:7", now), before, lost, now).empty());
    }
    SECTION("reason does not match the comment") {
        run.world.comments = {{"5", "Клиент уехал", "10", now, {}, "deal", "1"}};
        lost.fields["UF_CRM_REFUSAL_MOMENT"] = "Отказ после замера";
        auto d = run(event(EventKind::updated, "deal:7", now), before, lost, now);
        CHECK(find(d, "task.add")->params["title"] ==
              "Оформить отказ по сделке: «Причина отказа» не совпадает с комментарием");
    }
}

TEST_CASE("D7: the deferred stage follows the next contact's month — nearer than 32 days → back",
          "[rules_deal]") {
    Run run("D7");
    auto now = at("2026-03-02 11:00");
    auto deal = full_deal("C1:APRIL", "");
    deal.category_id = "1";
    run.world.comments = {{"5", "Клиент вернётся после ремонта", "10", now, {}, "deal", "1"}};
    Activity next;
    next.id = "90";
    next.deadline = at("2026-05-20 10:00");
    run.world.activities = {next};
    auto d = run(event(EventKind::updated, "deal:7", now), deal, deal, now);
    every_action_explained(d);
    REQUIRE(find(d, "deal.move"));
    CHECK(find(d, "deal.move")->params["stage_id"] == "C1:MAY");
    REQUIRE(d.timers.size() == 1);
    CHECK(show(*d.timers[0].due) == "2026-04-20 09:00");  // 20 May − 32 days is Saturday 18 April

    deal.stage_id = "C1:MAY";
    auto later = at("2026-04-20 09:00");
    auto back = run(timer("deal:7", d.timers[0]), deal, deal, later);
    REQUIRE(find(back, "deal.move"));
    CHECK(find(back, "deal.move")->params["category_id"] == "0");
    CHECK(find(back, "deal.move")->params["stage_id"] == "PREPARATION");
    CHECK(find(back, "task.add"));
}

TEST_CASE("D7: no next contact and no comment → tasks, no move", "[rules_deal]") {
    Run run("D7");
    auto now = at("2026-03-02 11:00");
    auto deal = full_deal("C1:APRIL", "");
    deal.category_id = "1";
    auto d = run(event(EventKind::updated, "deal:7", now), std::monostate{}, deal, now);
    CHECK(kinds(d) == std::vector<std::string>{"task.add", "task.add"});
}

TEST_CASE("D7: the daemon's own comment is no reason for the deferral — a manager's is",
          "[rules_deal]") {
    Run run("D7");
    auto now = at("2026-03-02 11:00");
    auto deal = full_deal("C1:APRIL", "");
    deal.category_id = "1";
    TimelineComment d2;
    d2.id = "1";
    d2.text = "[Регламент] Стадия выбрана по дате замера (11.04.2026): 40 дн.\n\nreglament:D2:7";
    d2.created = now;
    run.world.comments = {d2};
    auto d = run(event(EventKind::updated, "deal:7", now), std::monostate{}, deal, now);
    CHECK(kinds(d) == std::vector<std::string>{"task.add", "task.add"});  // contact, comment

    TimelineComment manager = d2;
    manager.id = "2";
    manager.text = "Клиент уехал до лета";
    run.world.comments.push_back(manager);
    d = run(event(EventKind::updated, "deal:7", now), std::monostate{}, deal, now);
    CHECK(kinds(d) == std::vector<std::string>{"task.add"});  // the next contact only
}

TEST_CASE("deal factory: precise errors, unknown keys, foreign ids", "[rules_deal]") {
    using reglament::rules::deal::validate_deal_or_call_params;
    auto errors = validate_deal_or_call_params("D5", {{"sheet_by", "10.15"}, {"colour", 1}});
    CHECK(errors == std::vector<std::string>{"rules.D5.sheet_by: expected HH:MM",
                                             "rules.D5.colour: unknown parameter"});
    CHECK(validate_deal_or_call_params("D2", {{"deferred_month_stages", {"C1:JANUARY"}}}) ==
          std::vector<std::string>{"rules.D2.deferred_month_stages: expected exactly 12 strings"});
    CHECK(validate_deal_or_call_params("L1", {{"x", 1}}).empty());
    CHECK(reglament::rules::deal::make_deal_or_call_rule("L1", {}) == nullptr);
    CHECK_THROWS_WITH(reglament::rules::deal::make_deal_or_call_rule("D5", {{"result_by", 11}}),
                      "rules.D5.result_by: expected HH:MM");
    for (auto id : {"D1", "D2", "D3", "D4", "D5", "D6", "D7", "R1", "R2", "R3", "R4", "R5"})
        CHECK(validate_deal_or_call_params(id, nlohmann::json::object()).empty());
}

TEST_CASE("deal factory: defaults document every parameter with the seed's wording",
          "[rules_deal]") {
    using reglament::rules::deal::deal_or_call_rule_defaults;
    auto d3 = deal_or_call_rule_defaults("D3");
    CHECK(d3["restore_stage"] == true);
    CHECK(d3["address_fields"].size() == 7);
    CHECK(d3["address_fields"]["UF_CRM_ADDR_INTERCOM"] == "Домофон");
    CHECK(deal_or_call_rule_defaults("D5")["sheet_by"] == "10:15");
    CHECK(deal_or_call_rule_defaults("R2")["attempts_per_day"] == nlohmann::json({3, 1, 1}));
    CHECK(deal_or_call_rule_defaults("L1").is_null());
    // The defaults are themselves a valid table.
    for (auto id : {"D1", "D2", "D3", "D4", "D5", "D6", "D7", "R1", "R2", "R3", "R4", "R5"})
        CHECK(
            reglament::rules::deal::validate_deal_or_call_params(id, deal_or_call_rule_defaults(id))
                .empty());
}

}  // namespace deal_rules_test
