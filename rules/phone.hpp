// Phone numbers as the rules compare them: digits only, international form, Russian trunk
// prefix folded ("8 (912) 345-67-89" → "79123456789"), which is also Wazzup's chatId form.
// TODO: unify with wazzup/phone once that lands, so chat ids, duplicate search and data checks
// share one normaliser (issue 7, "normalised once").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reglament::rules {

// Digits of the number in international form; "" when there are no digits. A Russian 8-prefixed
// 11-digit number becomes 7…, a bare 10-digit number starting with 9 gets the country code 7.
std::string normalise_phone(std::string_view text);

struct PhonePlan {
    std::vector<std::string> country_codes{"7"};
    int digits = 11;  // total digits including the country code
};

enum class PhoneProblem { none, empty, wrong_length, wrong_country_code, same_digit };

// Whether a normalised number could be a real one under the plan.
PhoneProblem check_phone(std::string_view normalised, const PhonePlan& plan);

}  // namespace reglament::rules
