#include "wazzup/waba_templates.hpp"

#include <nlohmann/json.hpp>

#include "wazzup/json_fields.hpp"
#include "wazzup/text.hpp"

namespace reglament::wazzup {

bool WabaTemplateInfo::approved() const {
    return iequals(status, "approved");
}

Expected<std::vector<WabaTemplateInfo>> parse_templates(std::string_view body) {
    using Result = Expected<std::vector<WabaTemplateInfo>>;
    auto list = json_list(body, "template list");
    if (!list) return Result::fail(list.error());
    std::vector<WabaTemplateInfo> templates;
    for (const auto& entry : *list) {
        WabaTemplateInfo t;
        t.template_guid = string_field(entry, "templateGuid");
        if (t.template_guid.empty()) continue;
        t.title = string_field(entry, "title");
        t.name = string_field(entry, "name");
        t.status = string_field(entry, "status");
        t.language = string_field(entry, "language");
        if (auto c = entry.find("channels"); c != entry.end() && c->is_array()) {
            for (const auto& id : *c) {
                if (id.is_string()) t.channels.push_back(id.get<std::string>());
            }
        }
        templates.push_back(std::move(t));
    }
    return Result::ok(std::move(templates));
}

}  // namespace reglament::wazzup
