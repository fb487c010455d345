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

Fault fault_of(const Error& e) {
    // A scope the webhook lacks refuses some methods only (401 too): the others go on, and the
    // events that need it are parked until the scope is granted and they are requeued.
    if (e.is("insufficient_scope")) return Fault::refused;
    if (e.http_status == 401) return Fault::auth_rejected;
    for (std::string_view code :
         {codes::no_auth, codes::reauthorise, std::string_view("INVALID_CREDENTIALS"),
          std::string_view("expired_token"), std::string_view("invalid_token"),
          std::string_view("invalid_grant")})
        if (e.is(code)) return Fault::auth_rejected;
    // The client hands these back only after its own retries; a batch's inner errors carry no
    // HTTP status, only the code (bitrix24.md §1), so the code decides first.
    for (std::string_view code :
         {codes::connect_failed, codes::transport, codes::timeout, codes::unexpected_body,
          codes::result_missing, codes::query_limit, codes::operation_time_limit,
          std::string_view("INTERNAL_SERVER_ERROR"), std::string_view("ERROR_UNEXPECTED_ANSWER"),
          std::string_view("CLIENT_STOPPED")})
        if (e.is(code)) return Fault::transient;
    if (e.http_status >= 500 || e.http_status == 429) return Fault::transient;
    return Fault::refused;
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
