#include <catch2/catch.hpp>

#include "rule_harness.hpp"

namespace hygiene_test {

using namespace reglament::rules;
using namespace reglament::rules::testing;
using nlohmann::json;
using reglament::TimePoint;

namespace {

const EntityRef lead1{"lead", "1"};
const EntityRef task40{"task", "40"};

Task task(TimePoint deadline, int status = 2) {
    Task t;
    t.id = "40";
    t.title = "Позвонить клиенту";
    t.responsible_id = "11";
    t.status = status;
    t.deadline = deadline;
    t.crm_bindings = {"L_1"};
    return t;
}

Event chat(bool inbound, TimePoint at) {
    Event e;
    e.kind = EventKind::chat_message;
    e.entity = lead1;
    e.message = ChatMessage{};
    e.message->inbound = inbound;
    e.message->chat_id = "79123456701";
    e.message->status = inbound ? "inbound" : "sent";
    e.message->at = at;
    return e;
}

Event call_on(const EntityRef& e, Call c) {
    Event ev;
    ev.kind = EventKind::call_ended;
    ev.entity = e;
    ev.call = std::move(c);
    return ev;
}

}  // namespace

TEST_CASE("H1: an open lead without a task gets one, once per gap", "[rules][H1]") {
    Harness h("H1");
    TimePoint t = msk("2026-04-08T11:00");
    Lead l = make_lead("1", "IN_PROCESS", "11", t);
    auto d = h.change(EventKind::sweep, lead1, l, t);
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].kind == "task.add");
    CHECK(d.actions[0].params["title"] == "Определить следующий шаг");
    CHECK(d.actions[0].params["deadline"] == iso(msk("2026-04-08T18:00")));
    CHECK(d.actions[0].params["responsible_id"] == "11");
    CHECK(d.actions[1].params["message"] ==
          "У лида «Заявка 1» нет задачи на следующий шаг: поставлена задача «Определить "
          "следующий шаг».");
    CHECK(h.change(EventKind::sweep, lead1, l, msk("2026-04-08T11:05")).actions.empty());
    h.world.tasks["L_1"] = {task(msk("2026-04-08T18:00"))};
    CHECK(h.change(EventKind::sweep, lead1, l, msk("2026-04-08T11:10")).actions.empty());
    h.world.tasks["L_1"][0].status = 5;
    d = h.change(EventKind::sweep, lead1, l, msk("2026-04-09T10:00"));
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].key == "gap2:task");
    // An activity with a deadline is a next step too; new and closed leads are not watched.
    Harness act("H1");
    Activity a;
    a.id = "9";
    a.deadline = msk("2026-04-09T10:00");
    act.world.activities["lead:1"] = {a};
    CHECK(act.change(EventKind::sweep, lead1, l, t).actions.empty());
    Harness fresh("H1");
    CHECK(fresh.change(EventKind::sweep, lead1, make_lead("1", "NEW", "11", t), t).actions.empty());
    Lead closed = l;
    closed.status_semantic = "F";
    CHECK(fresh.change(EventKind::sweep, lead1, closed, t).actions.empty());
}

TEST_CASE("H2: overdue → responsible — an hour later → head — done in time → nothing",
          "[rules][H2]") {
    Harness h("H2");
    h.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), msk("2026-04-08T09:00"));
    auto fired = h.advance(msk("2026-04-08T12:00"));
    REQUIRE(fired.size() == 2);
    CHECK(fired[0].first == msk("2026-04-08T10:00"));
    CHECK(fired[0].second.params["user_id"] == "11");
    CHECK(fired[0].second.params["message"] ==
          "Задача «Позвонить клиенту» просрочена (срок 08.04.2026 10:00).");
    CHECK(fired[1].first == msk("2026-04-08T11:00"));
    CHECK(fired[1].second.params["user_id"] == "1");
    CHECK(fired[1].second.params["message"] ==
          "Задача «Позвонить клиенту» (Менеджер 1) просрочена более чем на 60 мин (срок "
          "08.04.2026 10:00).");

    Harness ok("H2");
    ok.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), msk("2026-04-08T09:00"));
    ok.change(EventKind::updated, task40, task(msk("2026-04-08T10:00"), 5),
              msk("2026-04-08T09:50"));
    CHECK(ok.advance(msk("2026-04-09T12:00")).empty());
}

TEST_CASE("H3: postponing is flagged and undone — earlier or closing is fine", "[rules][H3]") {
    Harness h("H3");
    TimePoint now = msk("2026-04-08T09:30");
    h.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), msk("2026-04-08T09:00"));
    auto d = h.change(EventKind::updated, task40, task(msk("2026-04-09T12:00")), now);
    REQUIRE(d.actions.size() == 3);
    CHECK(d.actions[0].kind == "task.comment");
    CHECK(d.actions[0].params["text"] ==
          "Перенос срока задачи запрещён (ОП-15): закройте задачу с результатом и поставьте "
          "новую. Срок был 08.04.2026 10:00, перенесён на 09.04.2026 12:00.");
    CHECK(d.actions[1].kind == "notify");
    CHECK(d.actions[1].params["user_id"] == "1");
    CHECK(d.actions[1].params["message"] ==
          "Срок задачи «Позвонить клиенту» (Менеджер 1) перенесён с 08.04.2026 10:00 на "
          "09.04.2026 12:00 (ОП-15).");
    CHECK(d.actions[2].kind == "task.update");
    CHECK(d.actions[2].params ==
          json{{"task_id", "40"}, {"fields", {{"DEADLINE", iso(msk("2026-04-08T10:00"))}}}});
    // The restore itself moves the deadline earlier: no loop.
    CHECK(h.change(EventKind::updated, task40, task(msk("2026-04-08T10:00")), now).actions.empty());
    CHECK(h.change(EventKind::updated, task40, task(msk("2026-04-08T09:45")), now).actions.empty());
    CHECK(h.change(EventKind::updated, task40, task(msk("2026-04-10T09:45"), 5), now)
              .actions.empty());

    Harness keep("H3", {{"restore", false}});
    keep.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), now);
    d = keep.change(EventKind::updated, task40, task(msk("2026-04-08T11:00")), now);
    CHECK(of_kind(d.actions, "task.update").empty());
    CHECK(of_kind(d.actions, "task.comment").size() == 1);
}

TEST_CASE("H4: closed without a result comment → comment and notify, once", "[rules][H4]") {
    Harness h("H4");
    TimePoint now = msk("2026-04-08T12:00");
    h.change(EventKind::created, task40, task(msk("2026-04-08T18:00")), now);
    Task closed = task(msk("2026-04-08T18:00"), 5);
    closed.closed = now;
    auto d = h.change(EventKind::updated, task40, closed, now);
    REQUIRE(d.actions.size() == 2);
    CHECK(d.actions[0].params["text"] ==
          "Задача закрыта без результата. Зафиксируйте результат в комментарии к задаче (ОП-15).");
    CHECK(d.actions[1].params["user_id"] == "11");
    Harness ok("H4");
    ok.change(EventKind::created, task40, task(msk("2026-04-08T18:00")), now);
    closed.comments_count = 1;
    CHECK(ok.change(EventKind::updated, task40, closed, now).actions.empty());
}

// Issue 18 §3 and §4: the daemon's own footprints and ОП-15's reach.

// The accountant's own task: not a configured manager's, bound to no lead or deal.
Task accountants(TimePoint deadline, int status = 2) {
    Task t = task(deadline, status);
    t.responsible_id = "99";
    t.crm_bindings.clear();
    return t;
}

TEST_CASE("H4: a task the daemon closed, or the accountant's, is no one's reprimand",
          "[rules][H4][footprints]") {
    TimePoint now = msk("2026-04-08T12:00");
    Task closed = task(msk("2026-04-08T18:00"), 5);
    closed.closed = now;
    // R2 completed its dial-plan task when the client answered: the echo is the daemon's.
    Harness own("H4");
    own.change(EventKind::created, task40, task(msk("2026-04-08T18:00")), now);
    CHECK(own.own_change(task40, closed, now).actions.empty());
    // The accountant closes her own task without a comment: outside ОП-15.
    Harness acc("H4");
    acc.change(EventKind::created, task40, accountants(msk("2026-04-08T18:00")), now);
    Task acc_closed = accountants(msk("2026-04-08T18:00"), 5);
    CHECK(acc.change(EventKind::updated, task40, acc_closed, now).actions.empty());
    // A manager's task that only H3's comment was written on is still closed without a result.
    Harness h3("H4");
    h3.world.footprints["task:40"].comments = 1;
    h3.change(EventKind::created, task40, task(msk("2026-04-08T18:00")), now);
    closed.comments_count = 1;
    CHECK(h3.change(EventKind::updated, task40, closed, now).actions.size() == 2);
    // With the manager's own comment beside it, it is not.
    Harness both("H4");
    both.world.footprints["task:40"].comments = 1;
    both.change(EventKind::created, task40, task(msk("2026-04-08T18:00")), now);
    closed.comments_count = 2;
    CHECK(both.change(EventKind::updated, task40, closed, now).actions.empty());
}

TEST_CASE("H2, H3: the accountant's task is none of ОП-15's business — a rejected lead's neither",
          "[rules][H2][H3][footprints]") {
    TimePoint now = msk("2026-04-08T09:00");
    Harness h2("H2", {{"crm_only", false}});
    h2.change(EventKind::created, task40, accountants(msk("2026-04-08T10:00")), now);
    CHECK(h2.advance(msk("2026-04-09T12:00")).empty());
    // A manager's own task (no binding) is within reach when crm_only is off.
    Harness mine("H2", {{"crm_only", false}});
    Task own = task(msk("2026-04-08T10:00"));
    own.crm_bindings.clear();
    mine.change(EventKind::created, task40, own, now);
    CHECK(mine.advance(msk("2026-04-08T10:00")).size() == 1);
    // A task of a lead that left the process (L3 rejected it) is nobody's overdue.
    Harness left("H2");
    Lead rejected = make_lead("1", "JUNK", "11", now);
    rejected.out_of_process = true;
    left.world.leads["1"] = rejected;
    left.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), now);
    CHECK(left.advance(msk("2026-04-09T12:00")).empty());

    Harness h3("H3");
    h3.change(EventKind::created, task40, accountants(msk("2026-04-08T10:00")), now);
    CHECK(h3.change(EventKind::updated, task40, accountants(msk("2026-04-09T10:00")), now)
              .actions.empty());
    // A deadline the daemon itself wrote is no postponing.
    Harness ours("H3");
    ours.world.footprints["task:40"].fields["deadline"] = {iso(msk("2026-04-09T10:00")), now};
    ours.change(EventKind::created, task40, task(msk("2026-04-08T10:00")), now);
    CHECK(ours.change(EventKind::updated, task40, task(msk("2026-04-09T10:00")), now)
              .actions.empty());
}

TEST_CASE("H1: an open task without a deadline is no next step", "[rules][H1]") {
    Harness h("H1");
    TimePoint t = msk("2026-04-08T11:00");
    Task no_deadline = task(t);
    no_deadline.deadline.reset();
    h.world.tasks["L_1"] = {no_deadline};
    auto d = h.change(EventKind::sweep, lead1, make_lead("1", "IN_PROCESS", "11", t), t);
    CHECK(of_kind(d.actions, "task.add").size() == 1);
    // A lead that left the process (incubated) has no next step to keep.
    Harness inc("H1");
    Lead l = make_lead("1", "UC_INCUBATOR", "11", t);
    l.out_of_process = true;
    CHECK(inc.change(EventKind::sweep, lead1, l, t).actions.empty());
}

TEST_CASE("H5: a WhatsApp message unanswered 5 working minutes → responsible, then head",
          "[rules][H5]") {
    Harness h("H5");
    TimePoint t = msk("2026-04-08T10:00");
    h.change(EventKind::updated, lead1, make_lead("1", "IN_PROCESS", "11", t), t);
    h.send(chat(true, t), t);
    h.send(chat(true, msk("2026-04-08T10:02")), msk("2026-04-08T10:02"));  // keeps the first clock
    auto fired = h.advance(msk("2026-04-08T11:00"));
    REQUIRE(fired.size() == 2);
    CHECK(fired[0].first == msk("2026-04-08T10:05"));
    CHECK(fired[0].second.params["message"] ==
          "Клиент по лиду «Заявка 1» ждёт ответа в WhatsApp больше 5 мин.");
    CHECK(fired[1].first == msk("2026-04-08T10:15"));
    CHECK(fired[1].second.params["user_id"] == "1");

    Harness answered("H5");
    answered.change(EventKind::updated, lead1, make_lead("1", "IN_PROCESS", "11", t), t);
    answered.send(chat(true, t), t);
    answered.send(chat(false, msk("2026-04-08T10:03")), msk("2026-04-08T10:03"));
    CHECK(answered.advance(msk("2026-04-08T12:00")).empty());

    Harness night("H5");
    TimePoint fri = msk("2026-04-10T17:58");
    night.change(EventKind::updated, lead1, make_lead("1", "IN_PROCESS", "11", fri), fri);
    night.send(chat(true, fri), fri);
    CHECK(night.due("lead:1", "answer_due") == msk("2026-04-13T09:03"));
}

TEST_CASE("H6: a missed call yields one callback task that closes on the call back",
          "[rules][H6]") {
    Harness h("H6");
    TimePoint t = msk("2026-04-08T10:00");
    h.change(EventKind::updated, lead1, make_lead("1", "IN_PROCESS", "12", t), t);
    auto d = h.send(call_on(lead1, call(2, false)), t);
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "task.add");
    CHECK(d.actions[0].params["title"] == "Перезвонить клиенту (пропущенный звонок)");
    CHECK(d.actions[0].params["priority"] == 2);
    CHECK(d.actions[0].params["deadline"] == iso(msk("2026-04-08T10:15")));
    CHECK(d.actions[0].params["responsible_id"] == "12");
    CHECK(d.actions[0].params["description"] ==
          "Пропущенный входящий звонок с номера +79123456701.");
    CHECK(h.send(call_on(lead1, call(2, false)), msk("2026-04-08T10:01")).actions.empty());

    Task callback = task(msk("2026-04-08T10:15"));
    callback.id = "77";
    callback.title = "Перезвонить клиенту (пропущенный звонок)";
    h.world.tasks["L_1"] = {callback, task(msk("2026-04-08T18:00"))};
    d = h.send(call_on(lead1, call(1, false, "8 912 345-67-01")), msk("2026-04-08T10:05"));
    REQUIRE(d.actions.size() == 1);
    CHECK(d.actions[0].kind == "task.complete");
    CHECK(d.actions[0].params["task_id"] == "77");
    CHECK(h.send(call_on(lead1, call(1, false)), msk("2026-04-08T10:06")).actions.empty());
    CHECK(h.send(call_on(lead1, call(2, true)), msk("2026-04-08T10:07")).actions.empty());
}

TEST_CASE("H7: a month without a meeting → Инкубатор and the head is told", "[rules][H7]") {
    Harness h("H7");
    Lead l = make_lead("1", "IN_PROCESS", "11", msk("2026-03-10T09:00"));
    CHECK(h.change(EventKind::sweep, lead1, l, msk("2026-04-10T08:59")).actions.empty());
    auto d = h.change(EventKind::sweep, lead1, l, msk("2026-04-10T09:00"));
    REQUIRE(d.actions.size() == 3);
    CHECK(d.actions[0].params["fields"] == json{{"STATUS_ID", "UC_INCUBATOR"}});
    CHECK(d.actions[1].kind == "timeline.comment");
    CHECK(d.actions[2].params["user_id"] == "1");
    CHECK(d.actions[2].params["message"] ==
          "Лид «Заявка 1» (Менеджер 1) перенесён в «Инкубатор»: за месяц встреча не назначена.");
    CHECK(h.change(EventKind::sweep, lead1, l, msk("2026-04-10T09:30")).actions.empty());
    Harness met("H7");
    Lead m = l;
    m.status_id = "UC_MEETING";
    CHECK(met.change(EventKind::sweep, lead1, m, msk("2026-05-10T09:00")).actions.empty());
    Harness jan("H7");
    Lead end = make_lead("1", "IN_PROCESS", "11", msk("2026-01-31T12:00"));
    CHECK(jan.change(EventKind::sweep, lead1, end, msk("2026-02-28T11:59")).actions.empty());
    CHECK_FALSE(jan.change(EventKind::sweep, lead1, end, msk("2026-02-28T12:00")).actions.empty());
}

}  // namespace hygiene_test
