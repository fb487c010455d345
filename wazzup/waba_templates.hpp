// GET /v3/templates/whatsapp (wazzup.md §5): which WABA templates exist, their moderation
// status and the channels they are bound to. Checked by `reglamentd wazzup setup`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wazzup/expected.hpp"

namespace reglament::wazzup {

struct WabaTemplateInfo {
    std::string template_guid;  // use as templateId
    std::string title;          // name inside Wazzup
    std::string name;           // name sent to Meta
    std::string status;  // approved / APPROVED, pending, rejected, paused, disabled, archived
    std::string language;
    std::vector<std::string> channels;

    bool approved() const;
};

// A bare array or {data:[...]} (both seen, §5 and §8.5).
Expected<std::vector<WabaTemplateInfo>> parse_templates(std::string_view body);

}  // namespace reglament::wazzup
