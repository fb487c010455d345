// The one error value of the Bitrix24 client: what the portal (or the way to it) said, with
// enough context to decide on a retry and to log without leaking secrets.
#pragma once

#include <string>
#include <string_view>

namespace reglament::bitrix {

// Codes the client makes up itself; the portal's own codes are kept as sent.
namespace codes {
inline constexpr std::string_view unexpected_body = "UNEXPECTED_BODY";  // HTML, empty, not JSON
inline constexpr std::string_view connect_failed = "CONNECT_FAILED";    // request never sent
inline constexpr std::string_view transport = "TRANSPORT_ERROR";        // sent, answer lost
inline constexpr std::string_view timeout = "TIMEOUT";                  // sent, no answer in time
inline constexpr std::string_view outcome_unknown = "OUTCOME_UNKNOWN";  // a write may have run
inline constexpr std::string_view reauthorise = "REAUTHORISE";          // refresh token is dead
inline constexpr std::string_view unknown = "UNKNOWN_ERROR";            // "error": "" or 0
inline constexpr std::string_view result_missing = "BATCH_RESULT_MISSING";
inline constexpr std::string_view query_limit = "QUERY_LIMIT_EXCEEDED";
inline constexpr std::string_view operation_time_limit = "OPERATION_TIME_LIMIT";
// The call's parameters cannot be sent at all (e.g. invalid UTF-8 from a stored event): no
// request is made, and asking again will not help.
inline constexpr std::string_view invalid_params = "INVALID_PARAMS";
inline constexpr std::string_view no_auth = "NO_AUTH_FOUND";  // webhook code unknown (401)
}  // namespace codes

// ASCII case-insensitive equality: the portal mixes `expired_token` and `QUERY_LIMIT_EXCEEDED`
// (bitrix24.md §1 "Error response shape").
bool iequals(std::string_view a, std::string_view b);

struct Error {
    std::string code;         // as sent by the portal, or one of `codes`
    std::string description;  // never carries a secret (see redact.hpp)
    int http_status = 0;      // 0 when no HTTP response arrived

    bool is(std::string_view c) const { return iequals(code, c); }
    // One line for logs: "QUERY_LIMIT_EXCEEDED (HTTP 503): Too many requests".
    std::string to_string() const;
};

// What a failed call (after the client's own retries) says about asking again; the engine
// and the outbox decide with it.
enum class Fault {
    transient,      // outage, limits, timeouts, lost answers: the same call may work later
    auth_rejected,  // the portal refused the credentials (a rotated webhook code, HTTP 401):
                    // nothing works until the admin puts the new secret in the config
    refused,        // the portal refused this call (4xx, an error inside a batch, bad params)
};
Fault fault_of(const Error& error);

}  // namespace reglament::bitrix
