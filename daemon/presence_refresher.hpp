// Keeps PortalPresence current: at start and then every [people] presence_refresh_seconds of
// clock time it asks the portal about every configured manager and head — im.user.get (active,
// absent) and, with use_timeman, timeman.status. The calls go out together, so the Bitrix24
// client packs them into one `batch`. A call that fails keeps that user's previous answer and
// is logged (the client's errors carry no secrets); the next refresh asks again.
//
// The interval is clock time, looked at every second of steady time and whenever the clock is
// moved (wake()), so a manual clock (tests, acceptance runs) refreshes as business time passes.
//
// Threading: runs on the io_context given (the Bitrix24 client's); wake() may be called from
// any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/portal_presence.hpp"
#include "rules/clock.hpp"

namespace boost::asio {
class io_context;
}
namespace reglament::bitrix {
class Client;
}

namespace reglament::daemon {

struct PresenceRefresherOptions {
    std::vector<std::string> user_ids;  // [people] managers and heads
    std::chrono::milliseconds interval = std::chrono::minutes(5);
    bool use_timeman = false;
    std::chrono::milliseconds tick = std::chrono::seconds(1);  // steady time
};

struct PresenceRefresherHooks {
    // After every refresh, when all answers are in: how many calls failed, and whether any
    // configured user's presence now differs from before (the engine sweeps then, so L1 hands
    // on the leads of a manager who just became absent without waiting for the next sweep).
    std::function<void(std::size_t failed_calls, bool changed)> refreshed;
};

class PresenceRefresher {
  public:
    // The client, clock and presence must outlive the refresher.
    PresenceRefresher(boost::asio::io_context& io, bitrix::Client& bitrix, const Clock& clock,
                      PortalPresence& presence, PresenceRefresherOptions options,
                      PresenceRefresherHooks hooks = {});
    ~PresenceRefresher();  // stop()
    PresenceRefresher(const PresenceRefresher&) = delete;
    PresenceRefresher& operator=(const PresenceRefresher&) = delete;

    void start();  // refreshes now, then when due
    void stop();
    void wake();  // the clock moved: refresh if due; any thread
    // A reloaded [people]: the new users (and use_timeman, interval) are asked about at once
    // (within a tick when a refresh is under way). Any thread.
    void update(PresenceRefresherOptions options);

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::daemon
