// Delivery status of an outgoing message from `statuses` and `messages` webhooks
// (wazzup.md §4.3, §4.4). Webhooks may arrive out of order, so a status never goes back:
// sent < delivered < read; error is final; read stays read.
#pragma once

#include <string_view>

namespace reglament::wazzup {

enum class DeliveryStatus {
    none,       // nothing known yet
    sent,       // one grey tick
    delivered,  // two grey ticks
    read,       // two blue ticks
    error,      // not delivered; final
    inbound,    // `messages` only: a client's message, not a delivery step
    edited,     // `statuses` only: edited in the messenger, not a delivery step
    unknown,    // a value the docs do not list; accepted and ignored
};

// Case-insensitive; unknown strings give DeliveryStatus::unknown.
DeliveryStatus parse_delivery_status(std::string_view text);
std::string_view to_string(DeliveryStatus status);

// The status to keep when `update` arrives for a message whose status is `current`.
// An error overrides sent/delivered (the messenger gave up) but not read: a read message was
// delivered, whatever comes after.
DeliveryStatus merge_status(DeliveryStatus current, DeliveryStatus update);

}  // namespace reglament::wazzup
