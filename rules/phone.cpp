#include "rules/phone.hpp"

#include "wazzup/phone.hpp"

#include <algorithm>
#include <cctype>

namespace reglament::rules {

std::string normalise_phone(std::string_view text) {
    // The same normaliser as Wazzup chat ids, so a chat and a lead's phone always match.
    if (auto n = wazzup::normalize_phone(text)) return *n;
    // Not a usable number: keep its digits so the data check (L3) can say what is wrong.
    std::string digits;
    for (char c : text)
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    return digits;
}

PhoneProblem check_phone(std::string_view n, const PhonePlan& plan) {
    if (n.empty()) return PhoneProblem::empty;
    if (std::all_of(n.begin(), n.end(), [&](char c) { return c == n[0]; }))
        return PhoneProblem::same_digit;
    if (static_cast<int>(n.size()) != plan.digits) return PhoneProblem::wrong_length;
    bool known = std::any_of(plan.country_codes.begin(), plan.country_codes.end(),
                             [&](const std::string& code) { return n.starts_with(code); });
    if (!known) return PhoneProblem::wrong_country_code;
    // The subscriber part repeating one digit ("7 000 000 00 00") is as fake as the whole.
    for (const auto& code : plan.country_codes) {
        if (!n.starts_with(code)) continue;
        auto rest = n.substr(code.size());
        if (!rest.empty() &&
            std::all_of(rest.begin(), rest.end(), [&](char c) { return c == rest[0]; }))
            return PhoneProblem::same_digit;
    }
    return PhoneProblem::none;
}

}  // namespace reglament::rules
