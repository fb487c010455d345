// Secrets never reach a log line or an error message (COMMON.md): the inbound webhook's code
// (`/rest/{user_id}/{code}/`, bitrix24.md §1) and OAuth tokens in query strings or bodies are
// replaced by "***" before any text leaves the client.
#pragma once

#include <string>
#include <string_view>

namespace reglament::bitrix {

// "https://p.bitrix24.ru/rest/1/s3cr3t/crm.lead.get?auth=tok&id=5"
//   -> "https://p.bitrix24.ru/rest/1/***/crm.lead.get?auth=***&id=5"
std::string redact_url(std::string_view url);

// The same for free text that may quote URLs, form bodies or JSON: webhook paths,
// auth=/access_token=/refresh_token=/client_secret=/application_token= values and the
// JSON string values of those keys.
std::string redact_text(std::string_view text);

}  // namespace reglament::bitrix
