#include "daemon/deal_comments.hpp"

#include <exception>

namespace reglament::daemon {

using nlohmann::json;

EntityRead deal_comments_read(const std::string& deal_id) {
    return {"crm.timeline.comment.list",
            {{"filter", {{"ENTITY_ID", deal_id}, {"ENTITY_TYPE", "deal"}}},
             {"order", {{"ID", "DESC"}}},
             {"select", {"ID", "CREATED", "ENTITY_ID", "ENTITY_TYPE", "AUTHOR_ID", "COMMENT"}}}};
}

namespace {
constexpr std::size_t page_size = 50;  // crm.timeline.comment.list's fixed page
}  // namespace

DealComments deal_comments_from_rest(const std::string& deal_id, const json& result) {
    DealComments out;
    const json* rows = &result;
    if (result.is_object()) {
        auto items = result.find("items");
        if (items == result.end()) return out;
        rows = &*items;
    }
    if (!rows->is_array()) return out;
    out.complete = rows->size() < page_size;
    for (const auto& row : *rows) {
        if (!row.is_object()) continue;
        try {
            auto c = comment_from_rest(row);
            if (c.id.empty()) continue;
            if (c.owner_type.empty()) c.owner_type = "deal";
            if (c.owner_id.empty()) c.owner_id = deal_id;
            if (c.owner_type != "deal" || c.owner_id != deal_id) continue;
            out.comments.push_back(std::move(c));
        } catch (const std::exception&) {
            // A row the model cannot take (a date it cannot parse): skipped, like a foreign one.
        }
    }
    return out;
}

}  // namespace reglament::daemon
