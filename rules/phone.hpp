// Phone numbers as the rules compare them: digits only, international form, Russian trunk
// prefix folded ("8 (912) 345-67-89" → "79123456789"), which is also Wazzup's chatId form.
// Normalisation is wazzup/phone's (issue 7, "normalised once"); this adds the rules' plan check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reglament::rules {

// Digits of the number in international form (wazzup::normalize_phone); for what cannot be a
// number, its bare digits ("" when there are none), for check_phone to judge.
std::string normalise_phone(std::string_view text);

struct PhonePlan {
    std::vector<std::string> country_codes{"7"};
    int digits = 11;  // total digits including the country code
};

enum class PhoneProblem { none, empty, wrong_length, wrong_country_code, same_digit };

// Whether a normalised number could be a real one under the plan.
PhoneProblem check_phone(std::string_view normalised, const PhonePlan& plan);

}  // namespace reglament::rules
