// Small ASCII helpers: Wazzup's enums come in mixed case ("qr"/"qridle", "approved"/"APPROVED").
#pragma once

#include <string>
#include <string_view>

namespace reglament::wazzup {

inline char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

inline std::string ascii_lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

}  // namespace reglament::wazzup
