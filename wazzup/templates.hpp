// Message templates of the regulations ("Недозвон", "Игнор", ...) as the config defines them:
// either a text with {name}-style placeholders filled from the lead, or a WABA template id with
// ordered values that may hold the same placeholders (wazzup.md §2.1 templateId/templateValues).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wazzup/expected.hpp"

namespace reglament::wazzup {

struct TextTemplate {
    std::string text;  // "{client_name}, добрый день! ..."; empty: the regulation skips the send
};

struct WabaTemplate {
    std::string template_id;          // templateGuid from GET /v3/templates/whatsapp
    std::vector<std::string> values;  // in Meta order: header, body, URL buttons (§2.1)
};

using TemplateSpec = std::variant<TextTemplate, WabaTemplate>;

// Placeholder values: client_name, manager_name, meeting_time, ...
using TemplateValues = std::map<std::string, std::string, std::less<>>;

// What to put into POST /v3/message: text, or templateId + templateValues, or nothing (skip).
struct RenderedMessage {
    std::string text;
    std::string template_id;
    std::vector<std::string> template_values;
    bool skip = false;  // an empty text slot in the config: nothing is sent, the rule logs "skip"

    bool is_template() const { return !template_id.empty(); }
};

// Replaces every {name} in `text`; "{{" and "}}" stand for literal braces. Fails naming the
// first placeholder without a value, or an unclosed brace.
Expected<std::string> fill_placeholders(std::string_view text, const TemplateValues& values);

// Renders a configured template. A WABA value that renders empty is an error, because Meta
// rejects empty template variables (§5).
Expected<RenderedMessage> render(const TemplateSpec& spec, const TemplateValues& values);

}  // namespace reglament::wazzup
