#include <catch2/catch.hpp>

#include "net/form.hpp"
#include "net/http_message.hpp"

namespace form_test {

using reglament::net::decode_form;
using reglament::net::encode_form;

TEST_CASE("form: Bitrix24 event body decodes into nested objects", "[net][form]") {
    auto j = decode_form(
        "event=ONCRMLEADADD&event_handler_id=3&data%5BFIELDS%5D%5BID%5D=1475&ts=1466439714"
        "&auth%5Bdomain%5D=some.bitrix24.ru&auth%5Bapplication_token%5D=abc+def");
    CHECK(j["event"] == "ONCRMLEADADD");
    CHECK(j["data"]["FIELDS"]["ID"] == "1475");
    CHECK(j["auth"]["domain"] == "some.bitrix24.ru");
    CHECK(j["auth"]["application_token"] == "abc def");
}

TEST_CASE("form: appended and indexed keys become lists", "[net][form]") {
    auto j = decode_form("select[]=ID&select[]=TITLE&order[ID]=ASC&v[0]=a&v[1]=b");
    REQUIRE(j["select"].is_array());
    CHECK(j["select"][1] == "TITLE");
    CHECK(j["order"]["ID"] == "ASC");
    CHECK(j["v"] == nlohmann::json::array({"a", "b"}));
}

TEST_CASE("form: malformed keys are rejected with a reason", "[net][form]") {
    CHECK_THROWS_WITH(decode_form("data[FIELDS=1"), Catch::Contains("unclosed"));
    CHECK_THROWS_AS(decode_form("[x]=1"), std::invalid_argument);
}

TEST_CASE("form: encoding round-trips through decoding", "[net][form]") {
    nlohmann::json params = {{"filter", {{">ID", "5"}, {"@STATUS_ID", {"NEW", "IN_PROCESS"}}}},
                             {"select", {"ID", "TITLE"}},
                             {"start", -1}};
    auto encoded = encode_form(params);
    CHECK(encoded.find("filter%5B%3EID%5D=5") != std::string::npos);
    auto back = decode_form(encoded);
    CHECK(back["filter"][">ID"] == "5");
    CHECK(back["filter"]["@STATUS_ID"][1] == "IN_PROCESS");
    CHECK(back["select"][0] == "ID");
    CHECK(back["start"] == "-1");
}

TEST_CASE("url: parses what the config holds", "[net][url]") {
    using reglament::net::Url;
    auto u = Url::parse("https://portal.bitrix24.ru/rest/1/secret/");
    CHECK(u.host == "portal.bitrix24.ru");
    CHECK(u.port == 443);
    CHECK(u.target == "/rest/1/secret/");
    auto l = Url::parse("http://127.0.0.1:8080");
    CHECK(l.port == 8080);
    CHECK(l.target == "/");
    CHECK(l.origin() == "http://127.0.0.1:8080");
    CHECK_THROWS_WITH(Url::parse("ftp://x"), Catch::Contains("http or https"));
    CHECK_THROWS_WITH(Url::parse("http://x:99999/"), Catch::Contains("port"));
}

TEST_CASE("form: a list of more than ten stays a list in order", "[net][form]") {
    using nlohmann::json;
    // Keys sort as strings ("10" before "2"): a select of 14 fields must still be a list, or a
    // batch command's select[13]=UF_CRM_TASK is lost.
    json list = json::array();
    for (int i = 0; i < 14; ++i)
        list.push_back("F" + std::to_string(i));
    json decoded = decode_form(encode_form(json{{"select", list}}));
    REQUIRE(decoded["select"].is_array());
    CHECK(decoded["select"] == list);
    // Not a list: a gap, or a key with a leading zero.
    CHECK(decode_form("a[0]=x&a[2]=y")["a"].is_object());
    CHECK(decode_form("a[0]=x&a[01]=y")["a"].is_object());
}

}  // namespace form_test

namespace form_limits_test {

using reglament::net::decode_form;
using reglament::net::FormError;
using reglament::net::FormLimits;

// Issue 19 §1: `data` followed by 50,000 `[]` (~100 KB) overflowed the stack in the decoder.
TEST_CASE("form: keys nested beyond the limit are refused, not recursed into",
          "[net][form][limits]") {
    std::string deep = "data";
    for (int i = 0; i < 50000; ++i)
        deep += "[]";
    try {
        decode_form(deep + "=1");
        FAIL("decoded a key 50,000 levels deep");
    } catch (const FormError& e) {
        CHECK_FALSE(e.too_large());
        CHECK_THAT(e.what(), Catch::Contains("nested deeper than 32 levels"));
        CHECK(std::string_view(e.what()).size() < 200);
    }
    CHECK_THROWS_AS(decode_form("a[b][c][d]=1", FormLimits{2, 10, 100}), FormError);
    CHECK(decode_form("a[b][c]=1", FormLimits{2, 10, 100})["a"]["b"]["c"] == "1");
}

TEST_CASE("form: more fields or longer keys than allowed are refused as too large",
          "[net][form][limits]") {
    std::string many;
    for (int i = 0; i < 11; ++i)
        many += "k" + std::to_string(i) + "=v&";
    try {
        decode_form(many, FormLimits{8, 10, 100});
        FAIL("decoded 11 fields with a limit of 10");
    } catch (const FormError& e) {
        CHECK(e.too_large());
        CHECK_THAT(e.what(), Catch::Contains("more than 10 fields"));
    }
    CHECK_THROWS_AS(decode_form(std::string(101, 'k') + "=1", FormLimits{8, 10, 100}), FormError);
}

// Issue 19 §7: a body is stored as sent or refused, never altered.
TEST_CASE("form: broken percent-escapes and bytes that are not UTF-8 are refused",
          "[net][form][limits]") {
    CHECK_THROWS_WITH(decode_form("a=%zz"), Catch::Contains("broken percent-escape"));
    CHECK_THROWS_WITH(decode_form("a=1%"), Catch::Contains("broken percent-escape"));
    CHECK_THROWS_WITH(decode_form("a=%4"), Catch::Contains("broken percent-escape"));
    CHECK_THROWS_WITH(decode_form("a%G1=1"), Catch::Contains("key has a broken percent-escape"));
    CHECK_THROWS_WITH(decode_form("a=%C3%28"), Catch::Contains("value is not UTF-8"));
    CHECK_THROWS_WITH(decode_form("a=%ED%A0%80"), Catch::Contains("not UTF-8"));  // surrogate
    CHECK_THROWS_WITH(decode_form("a=%C0%AF"), Catch::Contains("not UTF-8"));     // overlong
    CHECK_THROWS_WITH(decode_form("a=\xff"), Catch::Contains("not UTF-8"));
    CHECK(decode_form("a=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%F0%9F%98%80")["a"] == "Привет 😀");
}

}  // namespace form_limits_test
