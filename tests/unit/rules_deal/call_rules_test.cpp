#include "fixture.hpp"
#include "rules/calls/replacement_report.hpp"

namespace call_rules_test {

using namespace dealtest;
using namespace reglament::rules::calls;

namespace {

Lead new_lead(TimePoint created) {
    Lead l;
    l.id = "12";
    l.title = "Заявка с сайта";
    l.status_id = "NEW";
    l.status_semantic = "P";
    l.assigned_by_id = "10";
    l.phones = {"+79991234567"};
    l.created = created;
    return l;
}

Event call_event(TimePoint start, bool answered, int type = 1) {
    Event e = event(EventKind::call_ended, "lead:12", start);
    Call c;
    c.call_id = "c" + show(start);
    c.type = type;
    c.phone = "79991234567";
    c.portal_user_id = "10";
    c.start = start;
    c.failed_code = answered ? "200" : "304";
    c.duration_seconds = answered ? 95 : 0;
    e.call = c;
    return e;
}

const TimerChange& only_timer(const Decision& d) {
    REQUIRE(d.timers.size() == 1);
    return d.timers[0];
}

}  // namespace

TEST_CASE("R2: the dial plan across a weekend and the 23 February holiday", "[rules_deal]") {
    REQUIRE_FALSE(moscow().is_working_day(date::local_days{date::year{2026} / 2 / 23}));
    Run run("R2");
    auto lead = new_lead(at("2026-02-20 15:30"));  // a Friday
    auto d = run(event(EventKind::created, "lead:12", at("2026-02-20 15:30")), std::monostate{},
                 lead, at("2026-02-20 15:30"));
    every_action_explained(d);
    REQUIRE(find(d, "task.add"));
    CHECK(find(d, "task.add")->params["title"] == "Позвонить клиенту (попытка 1 из 5)");
    CHECK(find(d, "task.add")->params["bindings"][0] == "L_12");
    CHECK(show(*parse_iso8601(find(d, "task.add")->params["deadline"].get<std::string>())) ==
          "2026-02-20 18:00");

    // A missed call at 15:40: the second attempt is due an hour later, not before.
    d = run(call_event(at("2026-02-20 15:40"), false), lead, lead, at("2026-02-20 15:41"));
    CHECK(d.actions.empty());
    CHECK(show(*only_timer(d).due) == "2026-02-20 16:40");
    d = run(timer("lead:12", only_timer(d)), lead, lead, at("2026-02-20 16:40"));
    CHECK(find(d, "task.add")->params["title"] == "Позвонить клиенту (попытка 2 из 5)");

    d = run(call_event(at("2026-02-20 16:50"), false), lead, lead, at("2026-02-20 16:51"));
    CHECK(show(*only_timer(d).due) == "2026-02-20 17:50");
    d = run(timer("lead:12", only_timer(d)), lead, lead, at("2026-02-20 17:50"));
    CHECK(find(d, "task.add")->params["title"] == "Позвонить клиенту (попытка 3 из 5)");
    CHECK(show(*only_timer(d).due) == "2026-02-20 18:00");

    // No third call on Friday: day 2 is Tuesday 24 February (weekend, then the holiday).
    d = run(timer("lead:12", only_timer(d)), lead, lead, at("2026-02-20 18:00"));
    CHECK(d.actions.empty());
    CHECK(show(*only_timer(d).due) == "2026-02-24 09:00");
    d = run(timer("lead:12", only_timer(d)), lead, lead, at("2026-02-24 09:00"));
    CHECK(find(d, "task.add")->params["title"] == "Позвонить клиенту (попытка 4 из 5)");

    d = run(call_event(at("2026-02-24 10:00"), false), lead, lead, at("2026-02-24 10:01"));
    CHECK(show(*only_timer(d).due) == "2026-02-25 09:00");

    // The client calls back and is reached: the open plan tasks are closed, the plan stops.
    Task open4;
    open4.id = "400";
    open4.title = "Позвонить клиенту (попытка 4 из 5)";
    Task other;
    other.id = "401";
    other.title = "Отправить КП";
    run.world.tasks = {open4, other};
    d = run(call_event(at("2026-02-24 15:00"), true, 2), lead, lead, at("2026-02-24 15:02"));
    CHECK(kinds(d) == std::vector<std::string>{"task.complete"});
    CHECK(d.actions[0].params["task_id"] == "400");
    CHECK_FALSE(only_timer(d).due);
    CHECK(run(timer("lead:12", TimerChange{{"lead", "12"}, "r2.attempt", at("2026-02-25 09:00")}),
              lead, lead, at("2026-02-25 09:00"))
              .empty());
}

TEST_CASE("R2: a number arriving on Friday evening before the 9 March holiday", "[rules_deal]") {
    DialPlanSpec spec;
    auto days = plan_days(at("2026-03-06 17:30"), moscow(), spec);
    REQUIRE(days.size() == 3);
    CHECK(day_text(days[1]) == "10.03.2026");
    CHECK(day_text(days[2]) == "11.03.2026");
    // A lead at 20:00 on Friday starts its plan on Tuesday morning; the first call is due by 15:00.
    auto next = next_attempt(at("2026-03-06 20:00"), {}, at("2026-03-06 20:00"), moscow(), spec);
    REQUIRE(next);
    CHECK(show(next->due) == "2026-03-10 09:00");
    CHECK(show(next->deadline) == "2026-03-10 15:00");
}

TEST_CASE("R1: no call within 6 working hours tells the responsible and the head", "[rules_deal]") {
    Run run("R1");
    auto lead = new_lead(at("2026-03-05 14:00"));
    auto d = run(event(EventKind::created, "lead:12", at("2026-03-05 14:00")), std::monostate{},
                 lead, at("2026-03-05 14:00"));
    CHECK(show(*only_timer(d).due) == "2026-03-06 11:00");
    SECTION("late") {
        auto fired = run(timer("lead:12", only_timer(d)), lead, lead, at("2026-03-06 11:00"));
        every_action_explained(fired);
        CHECK(kinds(fired) == std::vector<std::string>{"notify", "notify"});
    }
    SECTION("called in time") {
        auto armed = only_timer(d);
        auto c = run(call_event(at("2026-03-05 15:00"), false), lead, lead, at("2026-03-05 15:00"));
        CHECK_FALSE(only_timer(c).due);
        CHECK(run(timer("lead:12", armed), lead, lead, at("2026-03-06 11:00")).empty());
    }
}

TEST_CASE("R3: a call without a status or comment afterwards is flagged", "[rules_deal]") {
    Run run("R3", {{"after_working_minutes", 30}});
    auto lead = new_lead(at("2026-03-05 09:00"));
    auto d = run(call_event(at("2026-03-05 17:50"), false), lead, lead, at("2026-03-05 17:51"));
    const auto& armed = only_timer(d);
    CHECK(show(*armed.due) == "2026-03-06 09:20");  // 30 working minutes over the night
    SECTION("nothing written") {
        auto fired = run(timer("lead:12", armed), lead, lead, *armed.due);
        every_action_explained(fired);
        REQUIRE(kinds(fired) == std::vector<std::string>{"notify"});
        CHECK(fired.actions[0].params["user_id"] == "10");
    }
    SECTION("a comment after the call") {
        run.world.comments = {{"1", "недозвон", "10", at("2026-03-05 17:55"), {}, "lead", "1"}};
        CHECK(run(timer("lead:12", armed), lead, lead, *armed.due).empty());
    }
    SECTION("a status change after the call") {
        lead.moved = at("2026-03-05 17:56");
        CHECK(run(timer("lead:12", armed), lead, lead, *armed.due).empty());
    }
}

TEST_CASE("R2: a call made closes its attempt task — a lead that left the process gets no plan",
          "[rules_deal][footprints]") {
    Run run("R2");
    auto lead = new_lead(at("2026-03-05 10:00"));
    auto d = run(event(EventKind::created, "lead:12", at("2026-03-05 10:00")), std::monostate{},
                 lead, at("2026-03-05 10:00"));
    REQUIRE(find(d, "task.add"));
    Task open1;
    open1.id = "100";
    open1.title = "[Регламент] Позвонить клиенту (попытка 1 из 5)";
    run.world.tasks = {open1};
    // The manager called and nobody answered: the attempt is made, its task is done — not an
    // overdue task (H2) of a manager who did call.
    d = run(call_event(at("2026-03-05 10:20"), false), lead, lead, at("2026-03-05 10:21"));
    REQUIRE(kinds(d) == std::vector<std::string>{"task.complete"});
    CHECK(d.actions[0].params["task_id"] == "100");

    // L3 rejected the lead in the same step it arrived (the engine marks it out of process).
    Run rejected("R2");
    Lead junk = new_lead(at("2026-03-05 10:00"));
    junk.status_id = "JUNK";
    junk.out_of_process = true;
    d = rejected(event(EventKind::created, "lead:12", at("2026-03-05 10:00")), std::monostate{},
                 junk, at("2026-03-05 10:00"));
    CHECK_FALSE(find(d, "task.add"));
    // A plan under way stops when the lead leaves: a manager moves it to «Инкубатор».
    Run later("R2");
    d = later(event(EventKind::created, "lead:12", at("2026-03-05 10:00")), std::monostate{}, lead,
              at("2026-03-05 10:00"));
    Lead incubated = lead;
    incubated.out_of_process = true;
    later.world.tasks = {open1};
    d = later(event(EventKind::updated, "lead:12", at("2026-03-05 10:05")), lead, incubated,
              at("2026-03-05 10:05"));
    CHECK(d.actions.empty());  // the engine completes the daemon's tasks on it (lead-life)
    REQUIRE(d.timers.size() == 1);
    CHECK_FALSE(d.timers[0].due);
    CHECK(later(timer("lead:12", TimerChange{{"lead", "12"}, "r2.attempt", at("2026-03-05 11:20")}),
                incubated, incubated, at("2026-03-05 11:20"))
              .actions.empty());
}

TEST_CASE("R1: a lead that left the process before the deadline is nobody's late call",
          "[rules_deal][footprints]") {
    Run run("R1");
    auto lead = new_lead(at("2026-03-05 14:00"));
    auto d = run(event(EventKind::created, "lead:12", at("2026-03-05 14:00")), std::monostate{},
                 lead, at("2026-03-05 14:00"));
    auto armed = only_timer(d);
    Lead rejected = lead;
    rejected.status_id = "JUNK";
    rejected.status_semantic = "F";
    CHECK(run(timer("lead:12", armed), rejected, rejected, at("2026-03-06 11:00")).actions.empty());
    // Nor one rejected at arrival.
    Run at_once("R1");
    rejected.out_of_process = true;
    CHECK(at_once(event(EventKind::created, "lead:12", at("2026-03-05 14:00")), std::monostate{},
                  rejected, at("2026-03-05 14:00"))
              .empty());
}

TEST_CASE("R3: the daemon's own status move (L5) is no manager's result of the call",
          "[rules_deal][footprints]") {
    Run run("R3", {{"after_working_minutes", 30}});
    auto lead = new_lead(at("2026-03-05 09:00"));
    auto d = run(call_event(at("2026-03-05 10:00"), false), lead, lead, at("2026-03-05 10:01"));
    const auto armed = only_timer(d);
    lead.status_id = "IN_PROCESS";
    lead.moved = at("2026-03-05 10:02");
    run.world.own.fields["status_id"] = {"IN_PROCESS", at("2026-03-05 10:01")};
    auto fired = run(timer("lead:12", armed), lead, lead, *armed.due);
    CHECK(kinds(fired) == std::vector<std::string>{"notify"});
    // A manager who then moves it on has recorded a result.
    lead.status_id = "UC_QUALIFIED";
    lead.moved = at("2026-03-05 10:10");
    Run again("R3", {{"after_working_minutes", 30}});
    again.world.own = run.world.own;
    again(call_event(at("2026-03-05 10:00"), false), lead, lead, at("2026-03-05 10:01"));
    CHECK(again(timer("lead:12", armed), lead, lead, *armed.due).empty());
}

TEST_CASE("R4: never reached despite the full plan → на замену", "[rules_deal]") {
    Run run("R4");
    auto lead = new_lead(at("2026-03-02 10:00"));
    auto d = run(event(EventKind::created, "lead:12", at("2026-03-02 10:00")), std::monostate{},
                 lead, at("2026-03-02 10:00"));
    const auto armed = only_timer(d);
    CHECK(show(*armed.due) == "2026-03-04 18:00");
    for (auto t : {"2026-03-02 10:30", "2026-03-02 11:40", "2026-03-02 13:00", "2026-03-03 10:00",
                   "2026-03-04 10:00"})
        run.world.calls.push_back(*call_event(at(t), false).call);
    SECTION("plan kept") {
        auto fired = run(timer("lead:12", armed), lead, lead, *armed.due);
        every_action_explained(fired);
        REQUIRE(find(fired, "lead.update"));
        CHECK(find(fired, "lead.update")->params["fields"]["STATUS_ID"] == "UC_REPLACEMENT");
        CHECK(find(fired, "timeline.comment")->params["text"] ==
              "на замену: не дозвонились за 3 рабочих дня, попыток: 5");
    }
    SECTION("plan broken: only 4 attempts") {
        run.world.calls.pop_back();
        CHECK(run(timer("lead:12", armed), lead, lead, *armed.due).empty());
    }
}

TEST_CASE("R4: a number first called after 6 working hours is not replaced, whatever was answered",
          "[rules_deal]") {
    Run run("R4");
    auto lead = new_lead(at("2026-03-02 10:00"));
    // Six working hours from Monday 10:00 end at 16:00; the no comes on the first call.
    lead.fields["UF_CRM_QUALIFIED"] = "Нет";
    SECTION("called at 16:30: late, no replacement") {
        run.world.calls.push_back(*call_event(at("2026-03-02 16:30"), true).call);
        CHECK(run(event(EventKind::updated, "lead:12", at("2026-03-02 16:40")), lead, lead,
                  at("2026-03-02 16:40"))
                  .empty());
        NumberRecord n{"79991234567",
                       "12",
                       at("2026-03-02 10:00"),
                       {{at("2026-03-02 16:30"), 95, "200", true}},
                       true};
        auto a = assess_number(n, at("2026-03-06 12:00"), moscow(), DialPlanSpec{});
        CHECK(a.verdict == Verdict::plan_broken);
        CHECK(a.check.breaks == std::vector<std::string>{"первый звонок позже 6 рабочих часов"});
    }
    SECTION("called at 15:30: in time, replaced") {
        run.world.calls.push_back(*call_event(at("2026-03-02 15:30"), true).call);
        auto d = run(event(EventKind::updated, "lead:12", at("2026-03-02 15:40")), lead, lead,
                     at("2026-03-02 15:40"));
        REQUIRE(find(d, "lead.update"));
        CHECK(find(d, "lead.update")->params["fields"]["STATUS_ID"] == "UC_REPLACEMENT");
    }
}

TEST_CASE("R5: a reached number that said no after a late first call is listed as broken",
          "[rules_deal]") {
    auto arrived = at("2026-03-02 10:00");
    std::vector<NumberRecord> numbers = {
        {"79000000001", "L1", arrived, {{at("2026-03-02 11:00"), 60, "200", true}}, true},
        {"79000000002", "L2", arrived, {{at("2026-03-03 11:00"), 60, "200", true}}, true}};
    ReplacementReportInput input;
    input.from = at("2026-03-02 00:00");
    input.to = at("2026-03-03 00:00");
    input.as_of = at("2026-03-06 12:00");
    auto r = build_replacement_report(numbers, input, moscow(), DialPlanSpec{});
    REQUIRE(r.eligible.size() == 1);
    CHECK(r.eligible[0].number.lead_id == "L1");
    REQUIRE(r.plan_broken.size() == 1);
    CHECK(r.plan_broken[0].number.lead_id == "L2");
    CHECK(r.csv.find("79000000002,L2,02.03.2026 10:00,plan_broken,первый звонок позже 6 рабочих "
                     "часов") != std::string::npos);
}

TEST_CASE("R5: a replacement report over 200 numbers matches the hand count", "[rules_deal]") {
    const auto& cal = moscow();
    auto monday = at("2026-03-02 10:00");
    std::vector<NumberRecord> numbers;
    auto add = [&](int i, TimePoint arrived, std::vector<std::string> times, bool answered,
                   bool no) {
        NumberRecord n;
        n.phone = "7900000" + std::to_string(1000 + i);
        n.lead_id = "L" + std::to_string(i);
        n.arrived = arrived;
        n.answered_no = no;
        for (std::size_t k = 0; k < times.size(); ++k) {
            bool this_answered = answered && k == 0;
            n.attempts.push_back({at(times[k]), this_answered ? 80 : 0,
                                  this_answered ? "200" : "304", this_answered});
        }
        numbers.push_back(n);
    };
    const std::vector<std::string> full = {"2026-03-02 10:30", "2026-03-02 11:40",
                                           "2026-03-02 13:00", "2026-03-03 10:00",
                                           "2026-03-04 10:00"};
    for (int i = 0; i < 60; ++i)
        add(i, monday, full, false, false);  // eligible
    for (int i = 60; i < 80; ++i)
        add(i, monday, {"2026-03-02 10:30"}, true, true);  // eligible
    for (int i = 80; i < 120; ++i)
        add(i, monday, {"2026-03-02 10:30"}, true, false);  // ordinary
    for (int i = 120; i < 150; ++i)                         // four attempts
        add(i, monday, {full[0], full[1], full[2], full[3]}, false, false);
    for (int i = 150; i < 170; ++i)  // first call late
        add(i, monday,
            {"2026-03-02 16:30", "2026-03-02 17:30", "2026-03-03 10:00", "2026-03-03 11:00",
             "2026-03-04 10:00"},
            false, false);
    for (int i = 170; i < 190; ++i)  // day 1 calls less than an hour apart
        add(i, monday,
            {"2026-03-02 10:30", "2026-03-02 11:00", "2026-03-02 11:20", "2026-03-03 10:00",
             "2026-03-04 10:00"},
            false, false);
    for (int i = 190; i < 195; ++i)
        add(i, at("2026-03-06 10:00"), {}, false, false);  // pending
    for (int i = 195; i < 200; ++i)
        add(i, at("2026-02-27 10:00"), full, false, false);  // before
    REQUIRE(numbers.size() == 200);

    ReplacementReportInput input;
    input.from = at("2026-03-02 00:00");
    input.to = at("2026-03-07 00:00");
    input.as_of = at("2026-03-06 12:00");
    input.login = "client42";
    input.script = "https://docs.example/script";
    auto r = build_replacement_report(numbers, input, cal, DialPlanSpec{});

    CHECK(r.total == 195);
    CHECK(r.eligible.size() == 80);
    CHECK(r.plan_broken.size() == 70);
    CHECK(r.pending == 5);
    CHECK(r.not_eligible == 40);
    CHECK(r.share == Approx(80.0 / 195.0));
    CHECK(r.over_cap);
    CHECK(r.request_text ==
          "Прошу произвести начисление 80 определений на замену.\nЛогин клиента client42\nСкрипт "
          "- https://docs.example/script");
    CHECK(r.text.find("На замену: 80 (41.0%, предел 30.0%)") != std::string::npos);

    int never = 0, said_no = 0;
    for (const auto& line : r.eligible) {
        never += line.assessment.basis == "never_reached";
        said_no += line.assessment.basis == "answered_no";
    }
    CHECK(never == 60);
    CHECK(said_no == 20);
    CHECK(
        r.plan_broken[0].assessment.check.breaks ==
        std::vector<std::string>{"меньше 5 попыток за 3 рабочих дня: 4", "день 3: 0 из 1 попыток"});
    CHECK(
        r.plan_broken[30].assessment.check.breaks ==
        std::vector<std::string>{"первый звонок позже 6 рабочих часов", "день 1: 2 из 3 попыток"});
    CHECK(r.plan_broken[50].assessment.check.breaks ==
          std::vector<std::string>{"день 1: звонки с разницей меньше 60 мин"});

    // CSV: a header and one row per eligible or broken number, the evidence in the last column.
    CHECK(std::count(r.csv.begin(), r.csv.end(), '\n') == 1 + 80 + 70);
    CHECK(r.csv.find("79000001000,L0,02.03.2026 10:00,eligible,не дозвонились за 3 рабочих дня,"
                     "02.03.2026 10:30 0 с 304; 02.03.2026 11:40 0 с 304; 02.03.2026 13:00 0 с "
                     "304; 03.03.2026 10:00 0 с 304; 04.03.2026 10:00 0 с 304\n") !=
          std::string::npos);

    SECTION("exactly at the cap is not over it") {
        std::vector<NumberRecord> ten(numbers.begin() + 80, numbers.begin() + 87);  // ordinary
        ten.insert(ten.end(), numbers.begin(), numbers.begin() + 3);                // eligible
        auto capped = build_replacement_report(ten, input, cal, DialPlanSpec{});
        CHECK(capped.share == Approx(0.30));
        CHECK_FALSE(capped.over_cap);
    }
}

}  // namespace call_rules_test
