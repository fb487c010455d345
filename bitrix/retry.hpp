// What to do after a failed call: the safe/ambiguous split of bitrix24.md §2 (Go SDK
// "Retries", b24jssdk limiters doc). Limit refusals happen before execution and are always
// retried; 5xx, timeouts, lost answers and HTML bodies may hide an executed call, so only
// reads and writes the caller marks idempotent are retried; creates never are.
#pragma once

#include <chrono>
#include <string_view>

#include "bitrix/error.hpp"

namespace reglament::bitrix {

enum class Idempotency {
    automatic,       // decided from the method name (infer_idempotency)
    read,            // *.get, *.list, ...: repeating changes nothing
    idempotent,      // a write the caller knows is safe to repeat (e.g. update to fixed values)
    not_idempotent,  // may have effects twice (*.add always is)
};

// *.add / *.send / im.notify* are creates, get/list-like methods reads, anything else a write
// that is not idempotent unless the caller says so.
Idempotency infer_idempotency(std::string_view method);
// The caller's mark, except that creates stay creates.
Idempotency effective_idempotency(std::string_view method, Idempotency requested);
bool is_create(std::string_view method);

enum class RetryAction {
    retry,            // after `wait` (limits add their own waits in the limiter/budget)
    refresh_token,    // OAuth: refresh, then repeat
    outcome_unknown,  // may have run: the caller must find out (code OUTCOME_UNKNOWN)
    fail,             // final: hand the error to the caller
    reauthorise,      // fatal: the refresh token is dead, the admin must re-authorise
};

struct RetryDecision {
    RetryAction action = RetryAction::fail;
    std::chrono::milliseconds wait{0};
};

struct RetryPolicy {
    int max_limit_retries = 12;     // QUERY_LIMIT_EXCEEDED / OPERATION_TIME_LIMIT
    int max_transient_retries = 4;  // 5xx, timeouts, lost connections, HTML
    std::chrono::milliseconds base_backoff = std::chrono::milliseconds(500);
    std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
};

// `attempt` counts the tries already made (1 after the first failure).
RetryDecision classify(const Error& error, Idempotency idempotency, int attempt,
                       const RetryPolicy& policy = {});

// Exponential backoff: base · 2^(attempt-1), capped.
std::chrono::milliseconds backoff(int attempt, const RetryPolicy& policy);

}  // namespace reglament::bitrix
