#include "daemon/portal_auth.hpp"

#include <spdlog/spdlog.h>

#include "bitrix/error.hpp"

namespace reglament::daemon {

void PortalAuth::rejected(const bitrix::Error& error) {
    if (rejected_.exchange(true)) return;
    spdlog::error(
        "bitrix: the portal rejects the daemon's credentials ({}); events and actions wait, "
        "nothing is marked failed. Put the current webhook URL (or OAuth application) in the "
        "config and run `systemctl reload reglamentd`",
        error.to_string());
}

void PortalAuth::accepted() {
    if (rejected_.exchange(false)) spdlog::info("bitrix: the portal accepts the credentials again");
}

}  // namespace reglament::daemon
