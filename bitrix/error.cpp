#include "bitrix/error.hpp"

#include <algorithm>
#include <cctype>

namespace reglament::bitrix {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string Error::to_string() const {
    std::string out = code.empty() ? std::string(codes::unknown) : code;
    if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
    if (!description.empty()) out += ": " + description;
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return out;
}

}  // namespace reglament::bitrix
