#include <catch2/catch.hpp>

#include "wazzup/phone.hpp"

namespace phone_test {

using reglament::wazzup::normalize_phone;
using reglament::wazzup::PhoneCheckOptions;
using reglament::wazzup::PhoneProblem;
using reglament::wazzup::plausibility;

TEST_CASE("Russian numbers in CRM spellings become one WhatsApp chatId", "[wazzup]") {
    for (const char* raw :
         {"+7 (912) 345-67-89", "8 912 345 67 89", "9123456789", "79123456789", "+79123456789",
          "8(912)345-67-89", " 8-912-345-67-89 ", "7.912.345.67.89"}) {
        INFO(raw);
        auto n = normalize_phone(raw);
        REQUIRE(n);
        CHECK(*n == "79123456789");
    }
}

TEST_CASE("Landline 10-digit numbers get the country code, 8 stays only as area digit",
          "[wazzup]") {
    CHECK(*normalize_phone("(812) 123-45-67") == "78121234567");
    CHECK(*normalize_phone("8 (812) 123-45-67") == "78121234567");
}

TEST_CASE("Foreign numbers written with + or 00 are kept as written", "[wazzup]") {
    CHECK(*normalize_phone("+375 29 123-45-67") == "375291234567");
    CHECK(*normalize_phone("+49 30 1234567") == "49301234567");
    CHECK(*normalize_phone("0049 30 1234567") == "49301234567");
    CHECK(*normalize_phone("+1 (415) 555-2671") == "14155552671");
    // A +8 number is not turned into +7: the 8->7 rule is for domestic spellings only.
    CHECK(*normalize_phone("+8 912 345 67 89") == "89123456789");
}

TEST_CASE("Another default country prefixes national numbers with it", "[wazzup]") {
    CHECK(*normalize_phone("29 123 45 67 8", "375") == "3752912345678");
    // No 8->7 trunk rewrite outside Russia.
    CHECK(*normalize_phone("89123456789", "375") == "89123456789");
}

TEST_CASE("Unusable numbers are rejected with a reason", "[wazzup]") {
    auto short_one = normalize_phone("345-67-89");
    REQUIRE_FALSE(short_one);
    CHECK(short_one.error() == "too short: 7 digits");

    auto long_one = normalize_phone("+7 912 345 67 89 12345 6");
    REQUIRE_FALSE(long_one);
    CHECK(long_one.error() == "too long: 17 digits");

    auto letters = normalize_phone("+7 912 ABC 67 89");
    REQUIRE_FALSE(letters);
    CHECK(letters.error().find("unexpected character 'A'") != std::string::npos);

    CHECK(normalize_phone("").error() == "not a phone number: no digits");
    CHECK(normalize_phone(" () - ").error() == "not a phone number: no digits");
    CHECK_FALSE(normalize_phone("+7 912 +345"));
    CHECK_THROWS_AS(normalize_phone("12").value(), std::logic_error);
}

TEST_CASE("L3 plausibility: a real mobile number passes", "[wazzup]") {
    auto p = plausibility("8 912 345 67 89");
    CHECK(p.plausible());
    CHECK(p.number == "79123456789");
    CHECK(p.reason.empty());
}

TEST_CASE("L3 plausibility: wrong length, wrong country code, all same digit", "[wazzup]") {
    auto same = plausibility("+7 999 999-99-99");
    CHECK_FALSE(same.plausible());
    CHECK(same.problems == std::vector{PhoneProblem::all_same_digit});
    CHECK(same.reason == "all digits the same");

    auto zeros = plausibility("8 000 000 00 00");
    CHECK_FALSE(zeros.plausible());
    CHECK(std::count(zeros.problems.begin(), zeros.problems.end(), PhoneProblem::all_same_digit) ==
          1);
    CHECK(std::count(zeros.problems.begin(), zeros.problems.end(),
                     PhoneProblem::wrong_country_code) == 1);

    auto length = plausibility("+7 912 345 67 8");
    CHECK(length.problems == std::vector{PhoneProblem::wrong_length});
    CHECK(length.reason == "wrong length: 10 digits, +7 numbers have 11");

    auto code = plausibility("+7 123 456 78 90");
    CHECK(code.problems == std::vector{PhoneProblem::wrong_country_code});

    auto leading_zero = plausibility("+0 123 456 78 90");
    CHECK(leading_zero.problems == std::vector{PhoneProblem::wrong_country_code});

    auto garbage = plausibility("нет");
    CHECK(garbage.problems == std::vector{PhoneProblem::not_a_number});
    CHECK(garbage.number.empty());
    CHECK_FALSE(garbage.reason.empty());
}

TEST_CASE("L3 plausibility: only allowed countries when configured", "[wazzup]") {
    PhoneCheckOptions options;
    options.allowed_country_codes = {"7", "375"};
    CHECK(plausibility("+375 29 123-45-67", options).plausible());
    auto german = plausibility("+49 30 1234567", options);
    CHECK(german.problems == std::vector{PhoneProblem::wrong_country_code});
    CHECK(german.reason.find("+493") != std::string::npos);
    // Without the list a foreign number is fine.
    CHECK(plausibility("+49 30 1234567").plausible());
}

}  // namespace phone_test
