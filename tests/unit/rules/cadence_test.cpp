#include <catch2/catch.hpp>

#include <algorithm>

#include "rule_harness.hpp"

namespace cadence_test {

using namespace reglament::rules;
using namespace reglament::rules::testing;
using nlohmann::json;
using reglament::TimePoint;

namespace {

const EntityRef lead1{"lead", "1"};

Lead qualified(TimePoint created) {
    return make_lead("1", "UC_QUALIFIED", "11", created);
}

std::vector<std::string> describe(const std::vector<std::pair<TimePoint, Action>>& fired,
                                  const reglament::Calendar& cal) {
    std::vector<std::string> out;
    for (const auto& [t, a] : fired) {
        std::string what = local_text(cal, t) + " " + a.kind;
        if (a.kind == "wazzup.send") what += " " + a.params["template"].get<std::string>();
        if (a.kind == "task.add") what += " " + a.params["title"].get<std::string>();
        if (a.kind == "lead.update")
            what += " " + a.params["fields"]["STATUS_ID"].get<std::string>();
        if (a.kind == "timeline.comment" || a.kind == "journal.note")
            what += " " + a.params["text"].get<std::string>();
        out.push_back(what);
    }
    return out;
}

Event inbound_message(TimePoint at) {
    Event e;
    e.kind = EventKind::chat_message;
    e.name = "wazzup.message";
    e.entity = lead1;
    e.message = ChatMessage{};
    e.message->inbound = true;
    e.message->chat_id = "79123456701";
    e.message->at = at;
    return e;
}

}  // namespace

TEST_CASE("C1: the full ОП-2 ladder over five working days with a weekend ends in refusal",
          "[rules][C1]") {
    Harness h("C1");
    TimePoint wed = msk("2026-04-08T11:00");
    auto d = h.change(EventKind::updated, lead1, qualified(wed), wed);
    // Day 0's template slot is empty by default: skipped, journaled.
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "journal.note");
    CHECK(h.due("lead:1", "step") == msk("2026-04-09T10:00"));

    auto fired = h.advance(msk("2026-04-20T18:00"));
    CHECK(describe(fired, h.calendar) ==
          std::vector<std::string>{
              "09.04.2026 10:00 task.add Позвонить клиенту",
              "09.04.2026 16:00 wazzup.send Аудио Михаила Николаевича",
              "10.04.2026 10:00 wazzup.send Игнор",
              "10.04.2026 10:00 task.add Позвонить клиенту",
              "14.04.2026 10:00 wazzup.send Полный игнор",
              "14.04.2026 10:00 task.add Позвонить клиенту",
              "14.04.2026 18:00 lead.update JUNK",
              "14.04.2026 18:00 timeline.comment Лид закрыт, причина отказа: Нет контакта.",
              "14.04.2026 18:00 journal.note cadence completed",
          });
    auto task = fired[0].second;
    CHECK(task.params["responsible_id"] == "11");
    CHECK(task.params["deadline"] == iso(msk("2026-04-09T18:00")));
    CHECK(task.params["bindings"] == json::array({"L_1"}));
    CHECK(fired[1].second.params["phone"] == "79123456701");
    // Every key is distinct, so the outbox can run each action exactly once.
    std::set<std::string> keys;
    for (const auto& [t, a] : fired)
        keys.insert(a.key);
    CHECK(keys.size() == fired.size());
    // Finished: it does not start again while the lead stays qualified.
    CHECK(h.change(EventKind::updated, lead1, qualified(wed), msk("2026-04-15T10:00"))
              .actions.empty());
    CHECK(h.timers.empty());
}

TEST_CASE("C1: a WhatsApp reply on day 2 stops it and nothing more is sent", "[rules][C1]") {
    Harness h("C1");
    TimePoint wed = msk("2026-04-08T11:00");
    h.change(EventKind::updated, lead1, qualified(wed), wed);
    CHECK(h.advance(msk("2026-04-09T18:00")).size() == 2);
    auto d = h.send(inbound_message(msk("2026-04-10T09:30")), msk("2026-04-10T09:30"));
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "journal.note");
    CHECK(d.actions[0].params["text"] == "cadence stopped: the client wrote on WhatsApp");
    CHECK(h.timers.empty());
    CHECK(h.advance(msk("2026-04-30T18:00")).empty());
    CHECK(h.state_of("lead:1")["finished"] == "the client wrote on WhatsApp");
}

TEST_CASE("C1: stops on an answered call or a meeting — does not start with a next call set",
          "[rules][C1]") {
    TimePoint wed = msk("2026-04-08T11:00");
    Harness call_stop("C1");
    call_stop.change(EventKind::updated, lead1, qualified(wed), wed);
    Event answered;
    answered.kind = EventKind::call_ended;
    answered.entity = lead1;
    answered.call = call(1, true);
    auto d = call_stop.send(answered, msk("2026-04-09T10:30"));
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].params["text"] == "cadence stopped: the client answered a call");

    Harness meeting("C1");
    meeting.change(EventKind::updated, lead1, qualified(wed), wed);
    Lead set = qualified(wed);
    set.status_id = "UC_MEETING";
    d = meeting.change(EventKind::updated, lead1, set, msk("2026-04-09T12:00"));
    CHECK(d.actions[0].params["text"] == "cadence stopped: the lead reached status UC_MEETING");
    CHECK(meeting.advance(msk("2026-04-30T18:00")).empty());

    Harness planned("C1");
    Task next;
    next.id = "5";
    next.title = "Позвонить в пятницу";
    next.deadline = msk("2026-04-10T12:00");
    planned.world.tasks["L_1"] = {next};
    CHECK(planned.change(EventKind::updated, lead1, qualified(wed), wed).empty());
    // The regulations' own task (H1's "Определить следующий шаг") is no agreed next call.
    Harness automated("C1");
    Task h1 = next;
    h1.title = "[Регламент] Определить следующий шаг";
    h1.description = "У лида нет открытой задачи или дела.\n\nreglament:H1:lead:1:next_step";
    automated.world.tasks["L_1"] = {h1};
    CHECK_FALSE(automated.change(EventKind::updated, lead1, qualified(wed), wed).empty());
    CHECK(automated.due("lead:1", "step") == msk("2026-04-09T10:00"));
    Lead dated = qualified(wed);
    dated.fields["UF_CRM_MEETING_DATE"] = "2026-04-20T10:00:00+03:00";
    Harness with_date("C1");
    CHECK(with_date.change(EventKind::updated, lead1, dated, wed).empty());
    // A client's message on a qualified lead is contact, not a reason to chase them.
    Harness chat("C1");
    chat.entities["lead:1"] = qualified(wed);
    CHECK(chat.send(inbound_message(wed), wed).empty());
    CHECK(chat.timers.empty());
}

TEST_CASE("C1: an admin's own ladder with a written day-0 template", "[rules][C1]") {
    json steps = json::array({{{"day", 0}, {"at", "start"}, {"template", "Нет даты"}},
                              {{"day", 1}, {"at", "end"}, {"status_id", "JUNK"}, {"reason", "x"}}});
    Harness h("C1", {{"steps", steps}, {"reason_field", "UF_CRM_REASON"}});
    TimePoint fri = msk("2026-04-10T17:30");
    h.change(EventKind::updated, lead1, qualified(fri), fri);
    auto fired = h.advance(msk("2026-04-13T18:00"));
    REQUIRE(fired.size() == 4);
    CHECK(fired[0].first == fri);
    CHECK(fired[0].second.params["template"] == "Нет даты");
    CHECK(fired[1].first == msk("2026-04-13T18:00"));
    CHECK(fired[1].second.params["fields"] == json{{"STATUS_ID", "JUNK"}, {"UF_CRM_REASON", "x"}});
}

TEST_CASE("C3: a second cadence is only config", "[rules][C1]") {
    json steps = json::array({{{"day", 1}, {"at", "12:00"}, {"template", "Напоминание"}}});
    Harness h("C3", {{"qualified_status_ids", {"UC_THINKING"}}, {"steps", steps}});
    CHECK(h.rule->id() == "C3");
    Lead l = qualified(msk("2026-04-08T11:00"));
    l.status_id = "UC_THINKING";
    h.change(EventKind::updated, lead1, l, msk("2026-04-08T11:00"));
    auto fired = h.advance(msk("2026-04-10T18:00"));
    REQUIRE(fired.size() == 2);
    CHECK(fired[0].first == msk("2026-04-09T12:00"));
    CHECK(fired[0].second.params["template"] == "Напоминание");
    CHECK(fired[1].second.params["text"] == "cadence completed");
    CHECK_THROWS_AS(make_rule("C0", json::object()), std::invalid_argument);
    CHECK_THROWS_AS(make_rule("Cx", json::object()), std::invalid_argument);
}

TEST_CASE("C2: a no-show runs the same-day calls and the ladder to refusal", "[rules][C2]") {
    Harness h("C2");
    Lead l = make_lead("1", "UC_MEETING", "11", msk("2026-04-01T10:00"));
    l.name = "Ольга";
    l.fields["UF_CRM_MEETING_DATE"] = "2026-04-08T12:00:00+03:00";
    h.change(EventKind::updated, lead1, l, msk("2026-04-07T10:00"));
    CHECK(h.due("lead:1", "meeting_passed") == msk("2026-04-08T13:00"));
    auto fired = h.advance(msk("2026-04-20T18:00"));
    // A template may greet the client and name the manager and the missed meeting.
    auto send = std::find_if(fired.begin(), fired.end(),
                             [](const auto& f) { return f.second.kind == "wazzup.send"; });
    REQUIRE(send != fired.end());
    const json& values = send->second.params["values"];
    CHECK(values["client_name"] == "Ольга");
    CHECK(values["manager_name"] == "Менеджер 1");
    CHECK(values["meeting_time"] == "08.04.2026 12:00");
    CHECK(values["lead_title"] == "Заявка 1");
    CHECK(describe(fired, h.calendar) ==
          std::vector<std::string>{
              "08.04.2026 13:00 task.add Перезвонить клиенту (неявка на встречу)",
              "08.04.2026 16:00 task.add Перезвонить клиенту (неявка на встречу)",
              "08.04.2026 17:00 wazzup.send Аудио Михаила Николаевича",
              "09.04.2026 10:00 wazzup.send Игнор",
              "09.04.2026 10:00 task.add Позвонить клиенту",
              "13.04.2026 10:00 wazzup.send Полный игнор",
              "13.04.2026 10:00 task.add Позвонить клиенту",
              "13.04.2026 18:00 lead.update JUNK",
              "13.04.2026 18:00 timeline.comment Лид закрыт, причина отказа: Нет контакта.",
              "13.04.2026 18:00 journal.note cadence completed",
          });
    // A stale look at the lead (still «Встреча назначена», read before the refusal was
    // written) does not arm the same missed meeting again.
    CHECK(h.change(EventKind::updated, lead1, l, msk("2026-04-20T18:00")).actions.empty());
    CHECK(h.advance(msk("2026-04-30T18:00")).empty());
}

TEST_CASE("C2: a held meeting starts nothing — reached client must get a new date that day",
          "[rules][C2]") {
    Lead l = make_lead("1", "UC_MEETING", "11", msk("2026-04-01T10:00"));
    l.fields["UF_CRM_MEETING_DATE"] = "2026-04-08T12:00:00+03:00";
    Harness held("C2");
    held.change(EventKind::updated, lead1, l, msk("2026-04-07T10:00"));
    Lead done = l;
    done.status_id = "UC_MEETING_HELD";
    held.change(EventKind::updated, lead1, done, msk("2026-04-08T12:30"));
    CHECK(held.advance(msk("2026-04-20T18:00")).empty());

    Harness h("C2");
    Lead no_show = l;
    no_show.status_id = "UC_NO_SHOW";
    h.change(EventKind::updated, lead1, l, msk("2026-04-07T10:00"));
    h.change(EventKind::updated, lead1, no_show, msk("2026-04-08T12:20"));
    CHECK(h.advance(msk("2026-04-08T12:20")).size() == 1);  // first call task at once
    Event answered;
    answered.kind = EventKind::call_ended;
    answered.entity = lead1;
    answered.call = call(2, true);
    h.send(answered, msk("2026-04-08T15:00"));
    CHECK(h.due("lead:1", "reschedule_check") == msk("2026-04-08T18:00"));
    auto fired = h.advance(msk("2026-04-08T18:00"));
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].second.kind == "notify");
    CHECK(fired[0].second.params["user_id"] == "11");

    // Rescheduled in time: a future date and "5. Встреча назначена" by the end of the day.
    Harness ok("C2");
    ok.change(EventKind::updated, lead1, l, msk("2026-04-07T10:00"));
    ok.change(EventKind::updated, lead1, no_show, msk("2026-04-08T12:20"));
    ok.send(answered, msk("2026-04-08T15:00"));
    Lead again = l;
    again.fields["UF_CRM_MEETING_DATE"] = "2026-04-10T12:00:00+03:00";
    ok.change(EventKind::updated, lead1, again, msk("2026-04-08T15:10"));
    auto later = ok.advance(msk("2026-04-08T18:00"));
    CHECK(later.empty());
    CHECK(ok.due("lead:1", "meeting_passed") == msk("2026-04-10T13:00"));
}

}  // namespace cadence_test
