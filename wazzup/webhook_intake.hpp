// What POST /hooks/wazzup/<secret> answers (issue 5, wazzup.md §4.2): the daemon's HTTP intake
// calls this with the request's parts and only moves bytes. Pure and unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wazzup/webhook.hpp"

namespace reglament::wazzup {

// Compares in time that depends only on the lengths, so the secret cannot be guessed byte by
// byte from response times.
bool secret_equal(std::string_view given, std::string_view expected);

struct IntakeDecision {
    int status = 200;    // 200, 400, 404, 413, 415
    std::string reason;  // one line for the 4xx body and the log; never contains the secret
    std::optional<WebhookBody> body;  // with 200: what to store in the inbox
};

// Order: secret (404, as if nothing were there), size (413), Content-Type (415), body (400).
// `{"test":true}` and bodies of kinds we do not handle are 200 with the body. A body with good
// and malformed items is 200 with the good ones (WebhookBody::rejected names the others); one
// with only malformed items is 400 with the first reason.
IntakeDecision decide_intake(std::string_view path_secret, std::string_view configured_secret,
                             std::string_view content_type, std::string_view body);

}  // namespace reglament::wazzup
