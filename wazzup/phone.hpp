// Phone numbers as the CRM holds them ("+7 (912) 345-67-89", "8 912 345 67 89", "9123456789")
// turned into the digits-only international form Wazzup wants as a WhatsApp chatId
// ("79123456789", wazzup.md §7), and the plausibility checks of the data-check rule L3.
// Shared by the rules (duplicate search L2, data check L3, chat ids): no I/O, no Asio.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wazzup/expected.hpp"

namespace reglament::wazzup {

// Digits-only international number, or the reason it cannot be one ("too short: 6 digits").
// A number written with "+" (or "00") is taken as international and kept as written. Without
// it, a 10-digit number gets `default_country` in front, and for Russia ("7") the domestic
// trunk prefix 8 of an 11-digit number becomes 7. Spaces, brackets, dashes, dots and slashes
// are separators; letters or other symbols make the number unusable.
Expected<std::string> normalize_phone(std::string_view raw, std::string_view default_country = "7");

enum class PhoneProblem {
    not_a_number,        // could not be normalised at all (letters, empty, too short or long)
    wrong_length,        // a Russian/Kazakh (+7) number that is not 11 digits
    wrong_country_code,  // starts with 0, a +7 range nobody uses, or not in the allowed list
    all_same_digit,      // "+7 999 999-99-99", "0000000000": a placeholder typed into the CRM
};

std::string_view to_string(PhoneProblem problem);

struct PhoneCheckOptions {
    std::string default_country = "7";
    // Country codes a real client may have ("7", "375", ...); empty accepts any.
    std::vector<std::string> allowed_country_codes;
};

struct PhonePlausibility {
    std::string number;  // normalised digits; empty when not_a_number
    std::vector<PhoneProblem> problems;
    std::string reason;  // one line naming every problem; empty when plausible

    bool plausible() const { return problems.empty(); }
};

// L3: can `raw` be a real client's number? Lists every problem found, not just the first.
PhonePlausibility plausibility(std::string_view raw, const PhoneCheckOptions& options = {});

}  // namespace reglament::wazzup
