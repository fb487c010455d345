#include <catch2/catch.hpp>

#include "rule_harness.hpp"

namespace lead_rules_test {

using namespace reglament::rules;
using namespace reglament::rules::testing;
using nlohmann::json;
using reglament::TimePoint;

namespace {
EntityRef lead_ref(const std::string& id) {
    return {"lead", id};
}

Event call_event(const std::string& lead_id, Call c) {
    Event e;
    e.kind = EventKind::call_ended;
    e.name = "ONVOXIMPLANTCALLEND";
    e.entity = lead_ref(lead_id);
    e.call = std::move(c);
    return e;
}
}  // namespace

TEST_CASE("L1: 5,000 leads over 6 managers differ by at most one", "[rules][L1]") {
    Harness h("L1");
    std::map<std::string, int> count;
    TimePoint t = msk("2026-04-08T09:00");
    for (int i = 0; i < 5000; ++i) {
        std::string id = std::to_string(1000 + i);
        auto d = h.change(EventKind::created, lead_ref(id), make_lead(id, "NEW", "", t), t);
        REQUIRE(d.actions.size() == 1);
        CHECK(d.actions[0].kind == "lead.update");
        count[d.actions[0].params["fields"]["ASSIGNED_BY_ID"].get<std::string>()]++;
    }
    REQUIRE(count.size() == 6);
    int lo = 5000, hi = 0;
    for (auto& [who, n] : count)
        lo = std::min(lo, n), hi = std::max(hi, n);
    CHECK(hi - lo <= 1);
    // The pending assignments are forgotten once the portal shows them, and stay bounded.
    const json& state = h.state_of("global:L1");
    auto before = state["pending"].size();
    CHECK(before <= 1001);
    std::string last = state["pending"]["5999"][0].get<std::string>();
    auto d = h.change(EventKind::updated, lead_ref("5999"), make_lead("5999", "NEW", last, t), t);
    CHECK(d.actions.empty());
    CHECK(h.state_of("global:L1")["pending"].size() == before - 1);
}

TEST_CASE("L1: a lead that arrives with nobody at work is handed out at the opening itself",
          "[rules][L1]") {
    Harness h("L1");
    for (const auto& m : h.staff.managers)
        h.world.absent.insert(m.user_id);
    TimePoint friday = msk("2026-03-13T20:00");
    auto d = h.change(EventKind::created, lead_ref("7"), make_lead("7", "NEW", "", friday), friday);
    CHECK(d.actions.empty());
    REQUIRE(h.due("lead:7", "assign_at_opening"));
    CHECK(*h.due("lead:7", "assign_at_opening") == msk("2026-03-16T09:00"));
    // Saturday's sweep finds nobody either and keeps the same opening.
    TimePoint saturday = msk("2026-03-14T12:00");
    CHECK(h.change(EventKind::sweep, lead_ref("7"), make_lead("7", "NEW", "", friday), saturday)
              .actions.empty());
    CHECK(*h.due("lead:7", "assign_at_opening") == msk("2026-03-16T09:00"));
    h.world.absent.clear();
    auto fired = only_actions(h.advance(msk("2026-03-16T09:00")));
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].params["fields"]["ASSIGNED_BY_ID"] == "11");
    // In hours with nobody present no timer is armed: the sweep tries again.
    Harness busy("L1");
    for (const auto& m : busy.staff.managers)
        busy.world.absent.insert(m.user_id);
    TimePoint monday = msk("2026-03-16T11:00");
    busy.change(EventKind::created, lead_ref("8"), make_lead("8", "NEW", "", monday), monday);
    CHECK_FALSE(busy.due("lead:8", "assign_at_opening"));
}

TEST_CASE("L1: an absent manager is skipped, their leads move, and on return no burst",
          "[rules][L1]") {
    Harness h("L1");
    TimePoint t = msk("2026-04-08T09:00");
    auto assign = [&](const std::string& id, const std::string& who = "") {
        auto d = h.change(EventKind::created, lead_ref(id), make_lead(id, "NEW", who, t), t);
        return d.actions.empty()
                   ? std::string()
                   : d.actions[0].params["fields"]["ASSIGNED_BY_ID"].get<std::string>();
    };
    for (int i = 0; i < 6; ++i)
        assign(std::to_string(i + 1));
    h.world.absent.insert("13");
    std::map<std::string, int> count;
    for (int i = 0; i < 50; ++i)
        count[assign(std::to_string(100 + i))]++;
    CHECK(count.count("13") == 0);
    // A lead of the absent manager, seen at a sweep, goes to a present one.
    auto d = h.change(EventKind::sweep, lead_ref("3"), make_lead("3", "NEW", "13", t), t);
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].params["fields"]["ASSIGNED_BY_ID"] != "13");
    // A lead already taken in work is not touched.
    CHECK(h.change(EventKind::sweep, lead_ref("4"), make_lead("4", "IN_PROCESS", "13", t), t)
              .actions.empty());
    // Back from absence: one lead now, then the normal turn.
    h.world.absent.clear();
    std::vector<std::string> next;
    for (int i = 0; i < 6; ++i)
        next.push_back(assign(std::to_string(200 + i)));
    CHECK(next[0] == "13");
    CHECK(std::count(next.begin(), next.end(), "13") == 1);
    // A lead that already has a present manager stays theirs.
    CHECK(assign("300", "12").empty());
}

TEST_CASE("L2: duplicates listed with links and responsibles, responsible notified",
          "[rules][L2]") {
    Harness h("L2", {{"portal_url", "https://okna.bitrix24.ru/"}});
    TimePoint t = msk("2026-04-08T09:00");
    Lead lead = make_lead("5", "NEW", "11", t);
    lead.emails = {"client@mail.ru"};
    auto d = h.change(EventKind::created, lead_ref("5"), lead, t);
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "lookup.duplicates");
    CHECK(d.actions[0].params["phones"] == json::array({"79123456705"}));
    CHECK(d.actions[0].params["emails"] == json::array({"client@mail.ru"}));

    Event answer;
    answer.kind = EventKind::updated;
    answer.name = "lookup.duplicates";
    answer.entity = lead_ref("5");
    answer.result = {
        {"hits",
         {{{"type", "lead"}, {"id", "5"}, {"title", "сам"}},
          {{"type", "lead"},
           {"id", "3"},
           {"title", "Старая заявка"},
           {"assigned_by_id", "12"},
           {"assigned_name", "Петрова"}},
          {{"type", "contact"}, {"id", "8"}, {"title", "Иван Иванов"}, {"assigned_by_id", "14"}}}}};
    d = h.send(answer, t);
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].kind == "timeline.comment");
    CHECK(d.actions[0].params["text"] ==
          "Найдены возможные дубли:\n"
          "Лид «Старая заявка» — https://okna.bitrix24.ru/crm/lead/details/3/ — ответственный: "
          "Петрова\n"
          "Контакт «Иван Иванов» — https://okna.bitrix24.ru/crm/contact/details/8/ — "
          "ответственный: 14");
    CHECK(d.actions[1].kind == "notify");
    CHECK(d.actions[1].params["user_id"] == "11");
    CHECK(d.actions[1].params["message"] ==
          "Лид «Заявка 5»: найдены возможные дубли (2), список в комментарии карточки.");
    CHECK(h.send(answer, t).actions.empty());  // answered once

    Harness none("L2");
    none.change(EventKind::created, lead_ref("6"), make_lead("6", "NEW", "11", t), t);
    answer.entity = lead_ref("6");
    answer.result = {{"hits", {{{"type", "lead"}, {"id", "6"}}}}};
    CHECK(none.send(answer, t).actions.empty());
}

TEST_CASE("L3: an impossible phone and no other contact → Отказ / Некорректные данные",
          "[rules][L3]") {
    TimePoint t = msk("2026-04-08T09:00");
    Harness h("L3");
    Lead bad = make_lead("7", "NEW", "11", t);
    bad.phones = {"8 (111) 111-11-11"};
    auto d = h.change(EventKind::created, lead_ref("7"), bad, t);
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].kind == "lead.update");
    CHECK(d.actions[0].params["fields"] == json{{"STATUS_ID", "JUNK"}});
    CHECK(d.actions[1].params["text"] ==
          "Лид отправлен в отказ, причина: Некорректные данные. Телефон: 8 (111) 111-11-11.");
    CHECK(h.change(EventKind::updated, lead_ref("7"), bad, t).actions.empty());  // once

    Lead with_mail = bad;
    with_mail.id = "8";
    with_mail.emails = {"a@b.ru"};
    CHECK(h.change(EventKind::created, lead_ref("8"), with_mail, t).actions.empty());
    Lead good = make_lead("9", "NEW", "11", t);
    CHECK(h.change(EventKind::created, lead_ref("9"), good, t).actions.empty());
    Lead foreign = bad;
    foreign.id = "10";
    foreign.phones = {"+49 30 1234567"};
    CHECK_FALSE(h.change(EventKind::created, lead_ref("10"), foreign, t).actions.empty());

    Harness task("L3", {{"on_invalid", "task"}, {"reason_field", "UF_CRM_REASON"}});
    d = task.change(EventKind::created, lead_ref("7"), bad, t);
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "task.add");
    CHECK(d.actions[0].params["title"] == "Проверить корректность данных");
    CHECK(d.actions[0].params["responsible_id"] == "11");
    CHECK(d.actions[0].params["deadline"] == iso(msk("2026-04-08T09:30")));
    CHECK(d.actions[0].params["bindings"] == json::array({"L_7"}));

    Harness field("L3", {{"reason_field", "UF_CRM_REASON"}});
    d = field.change(EventKind::created, lead_ref("7"), bad, t);
    CHECK(d.actions[0].params["fields"] ==
          json{{"STATUS_ID", "JUNK"}, {"UF_CRM_REASON", "Некорректные данные"}});
}

TEST_CASE("L4: at 09:00 no call by 09:05 → responsible — still new at 09:10 → head + reassign",
          "[rules][L4]") {
    Harness h("L4");
    TimePoint t = msk("2026-04-08T09:00");
    h.change(EventKind::created, lead_ref("1"), make_lead("1", "NEW", "11", t), t);
    CHECK(h.due("lead:1", "call_due") == msk("2026-04-08T09:05"));
    CHECK(h.due("lead:1", "take_in_due") == msk("2026-04-08T09:10"));
    auto fired = h.advance(msk("2026-04-08T09:09"));
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].first == msk("2026-04-08T09:05"));
    CHECK(fired[0].second.kind == "notify");
    CHECK(fired[0].second.params["user_id"] == "11");
    CHECK(fired[0].second.params["message"] ==
          "Лид «Заявка 1» ждёт первого звонка 5 мин. Позвоните клиенту.");
    fired = h.advance(msk("2026-04-08T09:10"));
    auto actions = only_actions(fired);
    REQUIRE(actions.size() == 3);
    CHECK(actions[0].params["user_id"] == "1");
    CHECK(actions[0].params["message"] ==
          "Лид «Заявка 1» не взят в работу за 10 мин. Ответственный: Менеджер 1. Передан: "
          "Менеджер 2.");
    CHECK(actions[1].kind == "lead.update");
    CHECK(actions[1].params["fields"]["ASSIGNED_BY_ID"] == "12");
    CHECK(actions[2].params["user_id"] == "12");
    // The new manager gets their own 5 and 10 minutes.
    CHECK(h.due("lead:1", "call_due") == msk("2026-04-08T09:15"));
    CHECK(h.due("lead:1", "take_in_due") == msk("2026-04-08T09:20"));
}

TEST_CASE("L4: a call in time and taking the lead in silence it", "[rules][L4]") {
    Harness h("L4");
    TimePoint t = msk("2026-04-08T09:00");
    h.change(EventKind::created, lead_ref("1"), make_lead("1", "NEW", "11", t), t);
    h.send(call_event("1", call(1, false)), msk("2026-04-08T09:03"));
    CHECK_FALSE(h.due("lead:1", "call_due"));
    h.change(EventKind::updated, lead_ref("1"), make_lead("1", "IN_PROCESS", "11", t),
             msk("2026-04-08T09:08"));
    CHECK(h.timers.empty());
    CHECK(h.advance(msk("2026-04-08T10:00")).empty());
    // An incoming call does not count as the first call.
    Harness in("L4");
    in.change(EventKind::created, lead_ref("2"), make_lead("2", "NEW", "11", t), t);
    in.send(call_event("2", call(2, true)), msk("2026-04-08T09:01"));
    CHECK(in.due("lead:2", "call_due"));
}

TEST_CASE("L4: moving the card out of «Необработанный лид» does not cancel the call limit",
          "[rules][L4]") {
    Harness h("L4");
    TimePoint t = msk("2026-04-08T09:00");
    h.change(EventKind::created, lead_ref("1"), make_lead("1", "NEW", "11", t), t);
    h.change(EventKind::updated, lead_ref("1"), make_lead("1", "IN_PROCESS", "11", t),
             msk("2026-04-08T09:02"));
    CHECK_FALSE(h.due("lead:1", "take_in_due"));
    CHECK(h.due("lead:1", "call_due") == msk("2026-04-08T09:05"));
    auto actions = only_actions(h.advance(msk("2026-04-08T10:00")));
    REQUIRE(actions.size() == 1);
    CHECK(actions[0].params["user_id"] == "11");
    CHECK(actions[0].key == "call_due:0");
    // A lead that left the process (rejected) ends both limits.
    Harness gone("L4");
    gone.change(EventKind::created, lead_ref("2"), make_lead("2", "NEW", "11", t), t);
    Lead junk = make_lead("2", "JUNK", "11", t);
    junk.status_semantic = "F";
    gone.change(EventKind::updated, lead_ref("2"), junk, msk("2026-04-08T09:01"));
    CHECK(gone.timers.empty());
    CHECK(gone.advance(msk("2026-04-08T10:00")).empty());
}

TEST_CASE("L4: a lead at 17:58 on Friday counts from Monday 09:00", "[rules][L4]") {
    Harness h("L4", {{"reassign", false}});
    TimePoint t = msk("2026-04-10T17:58");
    h.change(EventKind::created, lead_ref("1"), make_lead("1", "NEW", "11", t), t);
    CHECK(h.due("lead:1", "call_due") == msk("2026-04-13T09:05"));
    CHECK(h.due("lead:1", "take_in_due") == msk("2026-04-13T09:10"));
    CHECK(h.advance(msk("2026-04-13T09:04")).empty());
    auto actions = only_actions(h.advance(msk("2026-04-13T09:10")));
    REQUIRE(actions.size() == 2);
    CHECK(actions[1].params["message"] ==
          "Лид «Заявка 1» не взят в работу за 10 мин. Ответственный: Менеджер 1. Передан: "
          "Менеджер 1.");
    CHECK(of_kind(actions, "lead.update").empty());
}

TEST_CASE("L5: two unanswered calls → Недозвон once and 2. Взят в работу — no WhatsApp → comment",
          "[rules][L5]") {
    Harness h("L5");
    TimePoint t = msk("2026-04-08T09:00");
    h.change(EventKind::created, lead_ref("1"), make_lead("1", "NEW", "11", t), t);
    CHECK(h.send(call_event("1", call(1, false)), msk("2026-04-08T09:02")).actions.empty());
    auto d = h.send(call_event("1", call(1, false)), msk("2026-04-08T09:03"));
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].kind == "wazzup.send");
    CHECK(d.actions[0].params["template"] == "Недозвон");
    CHECK(d.actions[0].params["phone"] == "79123456701");
    CHECK(d.actions[1].params["fields"] == json{{"STATUS_ID", "IN_PROCESS"}});
    CHECK(h.send(call_event("1", call(1, false)), msk("2026-04-08T09:04")).actions.empty());

    Event status;
    status.kind = EventKind::chat_status;
    status.entity = lead_ref("1");
    status.message = ChatMessage{};
    status.message->status = "error";
    status.message->error_code = "BAD_CONTACT";
    d = h.send(status, msk("2026-04-08T09:05"));
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "timeline.comment");
    CHECK(d.actions[0].params["text"] == "нет ватсапа");
    CHECK(h.send(status, msk("2026-04-08T09:06")).actions.empty());

    Harness answered("L5");
    answered.change(EventKind::created, lead_ref("2"), make_lead("2", "NEW", "11", t), t);
    answered.send(call_event("2", call(1, false)), t);
    answered.send(call_event("2", call(1, true)), t);
    CHECK(answered.send(call_event("2", call(1, false)), t).actions.empty());
}

}  // namespace lead_rules_test
