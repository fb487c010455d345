#include <catch2/catch.hpp>

#include "rule_harness.hpp"
#include "rules/model.hpp"
#include "rules/phone.hpp"
#include "rules/registry.hpp"

namespace model_params_test {

using namespace reglament::rules;
using nlohmann::json;
using reglament::TimePoint;
using reglament::rules::testing::msk;

TEST_CASE("model json: a lead survives a round trip, empty optionals are omitted",
          "[rules][model]") {
    Lead l;
    l.id = "12";
    l.title = "Заявка с сайта";
    l.status_id = "NEW";
    l.status_semantic = "P";
    l.assigned_by_id = "11";
    l.phones = {"+79123456701"};
    l.emails = {"a@b.ru"};
    l.created = msk("2026-04-10T17:58");
    l.fields = {{"UF_CRM_MEETING_DATE", "2026-04-20T10:00:00+03:00"}};
    json j = l;
    CHECK(j["created"] == "2026-04-10T14:58:00Z");
    CHECK_FALSE(j.contains("modified"));
    Lead back = j.get<Lead>();
    CHECK(back.id == "12");
    CHECK(back.title == l.title);
    CHECK(back.created == l.created);
    CHECK_FALSE(back.modified);
    CHECK(back.phones == l.phones);
    CHECK(back.fields == l.fields);
}

TEST_CASE("model json: tasks, deals, activities, calls and messages round trip", "[rules][model]") {
    Task t;
    t.id = "40";
    t.title = "Позвонить";
    t.status = 3;
    t.priority = 2;
    t.deadline = msk("2026-04-10T18:00");
    t.crm_bindings = {"L_12"};
    t.comments_count = 3;
    Task tb = json(t).get<Task>();
    CHECK(tb.deadline == t.deadline);
    CHECK(tb.crm_bindings == t.crm_bindings);
    CHECK(tb.comments_count == 3);
    CHECK(tb.priority == 2);

    Deal d;
    d.id = "7";
    d.stage_id = "C1:NEW";
    d.opportunity = 1500.5;
    d.closed = true;
    Deal db = json(d).get<Deal>();
    CHECK(db.stage_id == "C1:NEW");
    CHECK(db.opportunity == 1500.5);
    CHECK(db.closed);
    CHECK_FALSE(json(d).contains("created"));

    Activity a;
    a.id = "9";
    a.owner_type_id = 1;
    a.owner_id = "12";
    a.deadline = msk("2026-04-11T10:00");
    a.phones = {"79123456701"};
    Activity ab = json(a).get<Activity>();
    CHECK(ab.deadline == a.deadline);
    CHECK(ab.owner_id == "12");
    CHECK(ab.phones == a.phones);

    Call c = testing::call(2, false);
    c.start = msk("2026-04-10T10:00");
    Call cb = json(c).get<Call>();
    CHECK(cb.start == c.start);
    CHECK(cb.failed_code == "304");
    CHECK_FALSE(cb.answered());

    ChatMessage m;
    m.chat_id = "79123456701";
    m.inbound = true;
    m.error_code = "BAD_CONTACT";
    m.at = msk("2026-04-10T10:00");
    ChatMessage mb = json(m).get<ChatMessage>();
    CHECK(mb.inbound);
    CHECK(mb.error_code == "BAD_CONTACT");
    CHECK(mb.at == m.at);

    CHECK_THROWS_AS(json({{"deadline", "завтра"}}).get<Task>(), std::invalid_argument);
}

TEST_CASE("phone: normalised to international digits, implausible numbers found",
          "[rules][phone]") {
    CHECK(normalise_phone("8 (912) 345-67-89") == "79123456789");
    CHECK(normalise_phone("+7 912 345 67 89") == "79123456789");
    CHECK(normalise_phone("9123456789") == "79123456789");
    CHECK(normalise_phone("нет") == "");
    PhonePlan plan;
    CHECK(check_phone("79123456789", plan) == PhoneProblem::none);
    CHECK(check_phone("7912345", plan) == PhoneProblem::wrong_length);
    CHECK(check_phone("49123456789", plan) == PhoneProblem::wrong_country_code);
    CHECK(check_phone("77777777777", plan) == PhoneProblem::same_digit);
    CHECK(check_phone("70000000000", plan) == PhoneProblem::same_digit);
    CHECK(check_phone("", plan) == PhoneProblem::empty);
}

TEST_CASE("registry: every rule builds from defaults — bad parameters are named precisely",
          "[rules][registry]") {
    for (auto id : implemented_rule_ids()) {
        INFO(std::string(id));
        CHECK(validate_rule_params(id, json::object()).empty());
        CHECK(make_rule(id, json::object())->id() == id);
    }
    try {
        make_rule("L4", {{"call_within_minutes", -5}});
        FAIL("expected an exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()) == "rules.L4.call_within_minutes: expected a positive integer");
    }
    auto errors = validate_rule_params(
        "L3", {{"on_invalid", "delete"}, {"phone_digits", "11"}, {"enabled", true}, {"colour", 1}});
    REQUIRE(errors.size() == 3);
    CHECK(errors[0] == "rules.L3.phone_digits: expected a positive integer");
    CHECK(errors[1] == "rules.L3.on_invalid: expected one of \"reject\", \"task\"");
    CHECK(errors[2] == "rules.L3.colour: unknown parameter");
    CHECK(validate_rule_params("X9", json::object()) ==
          std::vector<std::string>{"rules.X9: no such rule"});
    auto steps = validate_rule_params(
        "C1", {{"steps", json::array({{{"day", 1}, {"at", "10:00"}, {"call_task", "x"}},
                                      {{"day", 0}, {"at", "25:00"}, {"colour", "x"}}})}});
    CHECK(steps ==
          std::vector<std::string>{"rules.C1.steps[1].at: expected \"HH:MM\", \"start\" or \"end\"",
                                   "rules.C1.steps[1].colour: unknown step key (day, at, template, "
                                   "call_task, status_id, reason)",
                                   "rules.C1.steps[1]: steps must be in time order"});
    CHECK(rule_param_warnings("C1", json::object()) ==
          std::vector<std::string>{"rules.C1.steps[0].template: empty template slot: this step "
                                   "sends nothing until the text is written"});
}

TEST_CASE("registry: the documented defaults are every parameter and load back unchanged",
          "[rules][registry]") {
    for (auto id : implemented_rule_ids()) {
        INFO(std::string(id));
        json defaults = rule_defaults(id);
        CHECK(validate_rule_params(id, defaults).empty());
        CHECK(rule_defaults(id) == defaults);
    }
    json l4 = rule_defaults("L4");
    CHECK(l4["call_within_minutes"] == 5);
    CHECK(l4["take_in_within_minutes"] == 10);
    CHECK(l4["new_status_ids"] == json::array({"NEW"}));
    json c1 = rule_defaults("C1");
    CHECK(c1["steps"].size() == 6);
    CHECK(c1["steps"][5]["reason"] == "Нет контакта");
    // A typo in one key is not hidden by the defaults of the others.
    json bad = l4;
    bad["call_within_minute"] = 5;
    CHECK(validate_rule_params("L4", bad) ==
          std::vector<std::string>{"rules.L4.call_within_minute: unknown parameter"});
}

TEST_CASE("fill: placeholders replaced, unknown ones kept", "[rules][registry]") {
    CHECK(fill("Лид «{lead_title}» {x}", {{"lead_title", "Окна"}}) == "Лид «Окна» {x}");
}

TEST_CASE("model: the daemon's own tasks and comments are told from people's by the tag line",
          "[rules][model]") {
    TimelineComment ours;
    ours.text = "[Регламент] Стадия выбрана по дате замера (11.04.2026): 40 дн.\n\nreglament:D2:x";
    CHECK(ours.automated());
    TimelineComment person;
    person.text = "Клиент уехал до лета, перезвонить в июне";
    CHECK_FALSE(person.automated());
    // Quoting the tag inside a longer text does not make a person's comment ours.
    person.text = "см. reglament:D2:x\nклиент против";
    CHECK_FALSE(person.automated());
    Task task;
    task.description = "Перезвонить\n\nreglament:H6:1";
    CHECK(task.automated());
}

}  // namespace model_params_test
