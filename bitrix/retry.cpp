#include "bitrix/retry.hpp"

#include <algorithm>
#include <array>

namespace reglament::bitrix {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view last_segment(std::string_view method) {
    auto dot = method.rfind('.');
    return dot == std::string_view::npos ? method : method.substr(dot + 1);
}

// Codes that say the call was refused or failed for good; retrying cannot help.
constexpr std::array<std::string_view, 5> final_server_codes = {
    "OVERLOAD_LIMIT",  // REST blocked manually; contact support (§1)
    "PORTAL_DELETED", "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
    "INVALID_REQUEST"};

}  // namespace

bool is_create(std::string_view method) {
    auto verb = last_segment(method);
    return iequals(verb, "add") || iequals(verb, "send") || ends_with(method, ".add.json");
}

Idempotency infer_idempotency(std::string_view method) {
    if (is_create(method)) return Idempotency::not_idempotent;
    auto verb = last_segment(method);
    for (std::string_view read :
         {"get", "list", "fields", "current", "status", "findbycomm", "getlist", "search"})
        if (iequals(verb, read)) return Idempotency::read;
    if (iequals(method, "profile") || iequals(method, "scope") || iequals(method, "methods") ||
        iequals(method, "events"))
        return Idempotency::read;
    return Idempotency::not_idempotent;
}

Idempotency effective_idempotency(std::string_view method, Idempotency requested) {
    if (is_create(method)) return Idempotency::not_idempotent;
    if (requested == Idempotency::automatic) return infer_idempotency(method);
    return requested;
}

std::chrono::milliseconds backoff(int attempt, const RetryPolicy& policy) {
    auto wait = policy.base_backoff;
    for (int i = 1; i < attempt && wait < policy.max_backoff; ++i)
        wait *= 2;
    return std::min(wait, policy.max_backoff);
}

RetryDecision classify(const Error& e, Idempotency idempotency, int attempt,
                       const RetryPolicy& policy) {
    // Refused before execution: always safe. The limiter / budget supply the real wait.
    if (e.is(codes::query_limit) || e.is(codes::operation_time_limit)) {
        if (attempt > policy.max_limit_retries) return {RetryAction::fail, {}};
        return {RetryAction::retry, {}};
    }
    if (e.is("expired_token") || e.is("invalid_token")) return {RetryAction::refresh_token, {}};
    if (e.is("invalid_grant") || e.is(codes::reauthorise)) return {RetryAction::reauthorise, {}};
    // The request never left: nothing can have run.
    if (e.is(codes::connect_failed)) {
        if (attempt > policy.max_transient_retries) return {RetryAction::fail, {}};
        return {RetryAction::retry, backoff(attempt, policy)};
    }
    for (auto code : final_server_codes)
        if (e.is(code)) return {RetryAction::fail, {}};
    bool ambiguous = e.is(codes::transport) || e.is(codes::timeout) ||
                     e.is(codes::unexpected_body) || e.is(codes::result_missing) ||
                     // inside a batch there is no status, only the code (§1 table)
                     e.is("INTERNAL_SERVER_ERROR") || e.is("ERROR_UNEXPECTED_ANSWER") ||
                     e.http_status >= 500;
    if (!ambiguous) return {RetryAction::fail, {}};  // 4xx and portal-level refusals
    if (idempotency == Idempotency::not_idempotent) return {RetryAction::outcome_unknown, {}};
    if (attempt > policy.max_transient_retries) return {RetryAction::fail, {}};
    return {RetryAction::retry, backoff(attempt, policy)};
}

}  // namespace reglament::bitrix
