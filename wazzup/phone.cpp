#include "wazzup/phone.hpp"

#include <algorithm>

namespace reglament::wazzup {
namespace {

// E.164 allows at most 15 digits; the shortest numbers in use have 8 with the country code.
constexpr std::size_t kMaxInternational = 15;
constexpr std::size_t kMinInternational = 8;
constexpr std::size_t kNationalLength = 10;  // ABC/DEF code + 7-digit number (Russia, Kazakhstan)
constexpr std::size_t kRussianLength = 11;

bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '(' || c == ')' || c == '-' || c == '.' || c == '/' ||
           c == '\xA0';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string count_digits(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " digit" : " digits");
}

}  // namespace

Expected<std::string> normalize_phone(std::string_view raw, std::string_view default_country) {
    std::string digits;
    bool plus = false;
    bool seen_digit = false;
    for (char c : raw) {
        if (is_digit(c)) {
            digits.push_back(c);
            seen_digit = true;
        } else if (c == '+' && !seen_digit && !plus) {
            plus = true;
        } else if (!is_separator(c)) {
            return Expected<std::string>::fail("not a phone number: unexpected character '" +
                                               std::string(1, c) + "'");
        }
    }
    if (digits.empty()) return Expected<std::string>::fail("not a phone number: no digits");

    // "00" is the international call prefix in most of the world ("0049 ..." = "+49 ...").
    if (!plus && digits.size() > kNationalLength + 1 && digits.starts_with("00")) {
        digits.erase(0, 2);
        plus = true;
    }

    if (!plus) {
        if (digits.size() == kNationalLength) {
            digits.insert(0, default_country);
        } else if (default_country == "7" && digits.size() == kRussianLength && digits[0] == '8') {
            digits[0] = '7';  // domestic trunk prefix: 8 912 ... is +7 912 ...
        }
    }

    if (digits.size() < kMinInternational || (!plus && digits.size() < kNationalLength)) {
        return Expected<std::string>::fail("too short: " + count_digits(digits.size()));
    }
    if (digits.size() > kMaxInternational) {
        return Expected<std::string>::fail("too long: " + count_digits(digits.size()));
    }
    return Expected<std::string>::ok(std::move(digits));
}

std::string_view to_string(PhoneProblem problem) {
    switch (problem) {
        case PhoneProblem::not_a_number:
            return "not a phone number";
        case PhoneProblem::wrong_length:
            return "wrong length";
        case PhoneProblem::wrong_country_code:
            return "wrong country code";
        case PhoneProblem::all_same_digit:
            return "all digits the same";
    }
    return "unknown problem";
}

PhonePlausibility plausibility(std::string_view raw, const PhoneCheckOptions& options) {
    PhonePlausibility result;
    auto normalized = normalize_phone(raw, options.default_country);
    if (!normalized) {
        result.problems.push_back(PhoneProblem::not_a_number);
        result.reason = normalized.error();
        return result;
    }
    result.number = *normalized;
    const std::string& n = result.number;
    std::vector<std::string> details;

    if (n[0] == '7') {
        // +7 is Russia (3xx, 4xx, 8xx, 9xx) and Kazakhstan (6xx, 7xx); 0, 1, 2, 5 are unassigned.
        if (n.size() != kRussianLength) {
            result.problems.push_back(PhoneProblem::wrong_length);
            details.push_back("wrong length: " + count_digits(n.size()) + ", +7 numbers have 11");
        }
        if (n.size() > 1 && (n[1] == '0' || n[1] == '1' || n[1] == '2' || n[1] == '5')) {
            result.problems.push_back(PhoneProblem::wrong_country_code);
            details.push_back("wrong country code: no +7 numbers start with 7" +
                              std::string(1, n[1]));
        }
    } else if (n[0] == '0') {
        result.problems.push_back(PhoneProblem::wrong_country_code);
        details.push_back("wrong country code: country codes never start with 0");
    }
    if (!options.allowed_country_codes.empty() &&
        std::none_of(options.allowed_country_codes.begin(), options.allowed_country_codes.end(),
                     [&](const std::string& code) { return n.starts_with(code); }) &&
        std::find(result.problems.begin(), result.problems.end(),
                  PhoneProblem::wrong_country_code) == result.problems.end()) {
        result.problems.push_back(PhoneProblem::wrong_country_code);
        details.push_back("wrong country code: +" +
                          n.substr(0, std::min<std::size_t>(3, n.size())) +
                          "... is not an allowed country");
    }

    // The subscriber part (the last 10 digits, or all of a shorter number) all one digit:
    // "+7 999 999 99 99", "8 000 000 00 00".
    std::string_view subscriber = n;
    if (subscriber.size() > kNationalLength)
        subscriber.remove_prefix(subscriber.size() - kNationalLength);
    if (std::all_of(subscriber.begin(), subscriber.end(),
                    [&](char c) { return c == subscriber.front(); })) {
        result.problems.push_back(PhoneProblem::all_same_digit);
        details.push_back("all digits the same");
    }

    for (std::size_t i = 0; i < details.size(); ++i) {
        if (i) result.reason += "; ";
        result.reason += details[i];
    }
    return result;
}

}  // namespace reglament::wazzup
