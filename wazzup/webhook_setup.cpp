#include "wazzup/webhook_setup.hpp"

#include <nlohmann/json.hpp>

#include "wazzup/send_outcome.hpp"

namespace reglament::wazzup {

Expected<std::string> build_webhooks_body(std::string_view uri, const WebhookSubscriptions& subs) {
    if (uri.empty())
        return Expected<std::string>::fail("the daemon's public webhook URL is not set");
    if (!uri.starts_with("https://") && !uri.starts_with("http://")) {
        return Expected<std::string>::fail("the public webhook URL must start with https://");
    }
    if (uri.size() > kWebhooksUriLimit) {
        return Expected<std::string>::fail("the public webhook URL is " +
                                           std::to_string(uri.size()) +
                                           " characters long; Wazzup accepts at most 200");
    }
    nlohmann::json body = {
        {"webhooksUri", uri},
        {"subscriptions",
         {{"messagesAndStatuses", subs.messages_and_statuses},
          {"contactsAndDealsCreation", subs.contacts_and_deals_creation},
          {"channelsUpdates", subs.channels_updates},
          {"templateStatus", subs.template_status}}},
    };
    return Expected<std::string>::ok(body.dump());
}

std::string explain_webhooks_failure(int http_status, std::string_view body) {
    ErrorBody error = parse_error_body(body);
    if (same_error_code(error.code, "testPostNotPassed")) {
        std::string got;
        auto json = nlohmann::json::parse(body, nullptr, false);
        if (!json.is_discarded() && json.is_object() && json.contains("data")) {
            got = " (it got: " +
                  json["data"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ")";
        }
        return "Wazzup sent its test POST to the webhook URL and did not get 200 OK" + got +
               ": start the daemon first and make sure the URL is reachable from the internet";
    }
    if (same_error_code(error.code, "uriNotValid")) {
        return "Wazzup does not accept the webhook URL as a valid URI: check public_url in the "
               "config";
    }
    if (http_status == 401) return "Wazzup rejected the API key (HTTP 401): check wazzup.api_key";
    if (http_status == 403) {
        return "this API key may not change webhooks (HTTP 403): use the key from "
               "\"Интеграция с CRM\" → API";
    }
    std::string out = "Wazzup refused the webhook settings (HTTP " + std::to_string(http_status);
    if (!error.code.empty()) out += ", " + error.code;
    out += ")";
    if (!error.description.empty()) out += ": " + error.description;
    return out;
}

}  // namespace reglament::wazzup
