// A message to a client that did not go (refused by Wazzup at once or later in a status webhook,
// refused by the daemon before any request, or given up with its outcome unknown) is the
// responsible manager's to handle: what the notice says and what the metric counts. Pure.
#pragma once

#include <string>
#include <string_view>

namespace reglament::daemon {

struct SendRefusal {
    // reglament_wazzup_send_refused_total{reason}: no_whatsapp, channel_down, template_rejected,
    // outside_24h_window, wrong_channel, outcome_unknown, refused.
    std::string label;
    std::string reason_text;  // for the manager, in the notice's language (the {reason})
    bool outcome_unknown = false;  // it may have gone: the manager checks the chat
};

// From the error code (Wazzup's, in either spelling, or the daemon's own refusals).
SendRefusal classify_refusal(std::string_view code);

// The notice: `text` with {template}, {title} and {reason} filled in.
std::string refusal_notice(std::string text, std::string_view template_name,
                           std::string_view title, std::string_view reason);

}  // namespace reglament::daemon
