// PATCH /v3/webhooks for `reglamentd wazzup setup` (wazzup.md §4.1): the request body and
// Wazzup's refusals in plain words. The URI holds the intake secret, so no message repeats it.
#pragma once

#include <string>
#include <string_view>

#include "wazzup/expected.hpp"

namespace reglament::wazzup {

struct WebhookSubscriptions {
    bool messages_and_statuses = true;
    bool channels_updates = true;
    bool template_status = false;              // only when WABA templates are used
    bool contacts_and_deals_creation = false;  // CRM mode; the daemon is not Wazzup's CRM
};

inline constexpr std::size_t kWebhooksUriLimit = 200;  // §4.1, §7

// Fails (without quoting the URI) when it is empty, not http(s), or over 200 characters.
Expected<std::string> build_webhooks_body(std::string_view uri, const WebhookSubscriptions& subs);

// A non-2xx answer to PATCH /v3/webhooks as one plain sentence for the operator.
std::string explain_webhooks_failure(int http_status, std::string_view body);

}  // namespace reglament::wazzup
