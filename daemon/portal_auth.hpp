// Whether the portal currently refuses the daemon's credentials (HTTP 401: the inbound
// webhook's code was rotated, or OAuth must be re-authorised). Nothing works until the admin
// puts the new secret in the config and reloads, so the engine and the outbox do not count
// such failures against events and actions: they wait, report here, and resume on a reload.
// The spine exports the state as reglament_portal_auth_rejected. Any thread.
#pragma once

#include <atomic>

namespace reglament::bitrix {
struct Error;
}

namespace reglament::daemon {

class PortalAuth {
  public:
    // A call was refused for its credentials: logged once per episode (never the secret: the
    // error's description is the portal's, and URLs in it are redacted by the client).
    void rejected(const bitrix::Error& error);
    // A call went through: the episode, if any, is over.
    void accepted();
    bool is_rejected() const { return rejected_.load(); }

  private:
    std::atomic<bool> rejected_{false};
};

}  // namespace reglament::daemon
