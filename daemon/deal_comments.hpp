// A deal's timeline comments as the portal lists them (crm.timeline.comment.list), for D6 and
// D7. Comments otherwise reach the daemon one by one through ONCRMTIMELINECOMMENTADD, which
// carries only the comment's id; a comment whose event was lost, or that was written before the
// daemon's first start, would stay unknown. So whenever the engine reads a deal's stage history
// (the deal moved since its snapshot: the moments D6 and D7 judge its comments) it lists the
// deal's comments too, and keeps each as the snapshot "timeline_comment:<id>", as if its event
// had come. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/entity_model.hpp"
#include "rules/model.hpp"

namespace reglament::daemon {

// crm.timeline.comment.list {filter {ENTITY_ID, ENTITY_TYPE "deal"}, order {ID DESC}, select}:
// one page, the newest 50 comments. A reason written for a close is among the newest; older
// ones came through their events or an earlier read.
EntityRead deal_comments_read(const std::string& deal_id);

struct DealComments {
    std::vector<rules::TimelineComment> comments;
    // Fewer rows than a page: these are all the deal has, and a kept comment that is not
    // among them was deleted.
    bool complete = false;
};

// The read's result → the deal's comments. Takes a bare array or {"items": [...]}, UPPER_CASE
// or camelCase keys; a row without an id, not an object, or of another owner is skipped, and a
// row without its owner is the deal's (the filter asked for it). Never throws.
DealComments deal_comments_from_rest(const std::string& deal_id, const nlohmann::json& result);

}  // namespace reglament::daemon
