#include "wazzup/delivery_status.hpp"

#include <array>
#include <utility>

#include "wazzup/text.hpp"

namespace reglament::wazzup {
namespace {

constexpr std::array<std::pair<std::string_view, DeliveryStatus>, 7> kNames = {{
    {"none", DeliveryStatus::none},
    {"sent", DeliveryStatus::sent},
    {"delivered", DeliveryStatus::delivered},
    {"read", DeliveryStatus::read},
    {"error", DeliveryStatus::error},
    {"inbound", DeliveryStatus::inbound},
    {"edited", DeliveryStatus::edited},
}};

int rank(DeliveryStatus s) {
    switch (s) {
        case DeliveryStatus::sent:
            return 1;
        case DeliveryStatus::delivered:
            return 2;
        case DeliveryStatus::read:
            return 3;
        default:
            return 0;
    }
}

}  // namespace

DeliveryStatus parse_delivery_status(std::string_view text) {
    for (const auto& [name, status] : kNames) {
        if (iequals(name, text)) return status;
    }
    return DeliveryStatus::unknown;
}

std::string_view to_string(DeliveryStatus status) {
    for (const auto& [name, s] : kNames) {
        if (s == status) return name;
    }
    return "unknown";
}

DeliveryStatus merge_status(DeliveryStatus current, DeliveryStatus update) {
    if (current == DeliveryStatus::error || current == DeliveryStatus::read) return current;
    if (update == DeliveryStatus::error) return DeliveryStatus::error;
    if (rank(update) > rank(current)) return update;
    return current;
}

}  // namespace reglament::wazzup
