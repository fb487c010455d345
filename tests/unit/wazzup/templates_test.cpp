#include <catch2/catch.hpp>

#include "wazzup/templates.hpp"

namespace templates_test {

using namespace reglament::wazzup;

namespace {
const TemplateValues kLead = {
    {"client_name", "Анна"}, {"manager_name", "Михаил Николаевич"}, {"meeting_time", "15:30"}};
}

TEST_CASE("A text template gets the lead's names and meeting time", "[wazzup]") {
    auto r = render(TextTemplate{"{client_name}, добрый день! Это {manager_name}, встреча в "
                                 "{meeting_time}."},
                    kLead);
    REQUIRE(r);
    CHECK(r->text == "Анна, добрый день! Это Михаил Николаевич, встреча в 15:30.");
    CHECK_FALSE(r->is_template());
    CHECK_FALSE(r->skip);
}

TEST_CASE("A missing placeholder value is an error naming it", "[wazzup]") {
    auto r = render(TextTemplate{"{client_name}, ждём вас {meeting_place}"}, kLead);
    REQUIRE_FALSE(r);
    CHECK(r.error() == "no value for placeholder {meeting_place}");
}

TEST_CASE("Literal braces and unclosed braces", "[wazzup]") {
    CHECK(*fill_placeholders("{{client_name}} = {client_name}", kLead) == "{client_name} = Анна");
    auto bad = fill_placeholders("Привет, {client_name", kLead);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "unclosed '{' in \"{client_name\"");
}

TEST_CASE("An empty text slot means skip", "[wazzup]") {
    auto r = render(TextTemplate{""}, kLead);
    REQUIRE(r);
    CHECK(r->skip);
    CHECK(r->text.empty());
}

TEST_CASE("A WABA template fills its ordered values", "[wazzup]") {
    auto r = render(WabaTemplate{"6201005a-9a6f-486f-bdd5-e6cb86c76ddb",
                                 {"{client_name}", "{manager_name}", "сегодня в {meeting_time}"}},
                    kLead);
    REQUIRE(r);
    CHECK(r->is_template());
    CHECK(r->template_id == "6201005a-9a6f-486f-bdd5-e6cb86c76ddb");
    CHECK(r->template_values ==
          std::vector<std::string>{"Анна", "Михаил Николаевич", "сегодня в 15:30"});
    CHECK(r->text.empty());
}

TEST_CASE("A WABA value that is missing or empty is an error", "[wazzup]") {
    auto missing = render(WabaTemplate{"tpl", {"{client_name}", "{deal_sum}"}}, kLead);
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == "template value 2: no value for placeholder {deal_sum}");

    TemplateValues no_name = kLead;
    no_name["client_name"] = "";
    auto empty = render(WabaTemplate{"tpl", {"{client_name}"}}, no_name);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().find("template value 1 is empty") != std::string::npos);

    CHECK_FALSE(render(WabaTemplate{"", {}}, kLead));
}

}  // namespace templates_test
