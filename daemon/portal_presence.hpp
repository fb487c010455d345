// What the portal last said about who may take work (issue 7): an account an administrator
// deactivated, an absence of the portal's absence chart and, when the call centre uses it, the
// working-day status. The refresher (presence_refresher.hpp) writes it, the engine's World reads
// it; no I/O here. A user the portal has not answered for is present: missing data must never
// stop distribution.
//
// Threading: every member may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "rules/clock.hpp"

namespace reglament::daemon {

// One user as im.user.get describes them.
struct PortalUser {
    std::string id;
    bool active = true;
    // `absent`: the end of the current absence. An end the daemon cannot read means absent
    // until a later answer says otherwise (TimePoint::max()).
    std::optional<TimePoint> absent_until;
};

// im.user.get's result ({id, active, absent: "<ISO end>" | false, ...}); nullopt when it does
// not name a user.
std::optional<PortalUser> parse_im_user(const nlohmann::json& result);
// timeman.status's STATUS ("OPENED", "PAUSED", "CLOSED", "EXPIRED"); nullopt without one.
std::optional<std::string> parse_timeman_status(const nlohmann::json& result);

class PortalPresence {
  public:
    // use_timeman: only a user whose working day is OPENED is present ([people] use_timeman).
    explicit PortalPresence(bool use_timeman = false);

    // [people] use_timeman changed on a config reload.
    void set_use_timeman(bool use_timeman);

    void update(const PortalUser& user);
    void update_timeman(const std::string& user_id, const std::string& status);

    // Whether the portal lets `user_id` take work at `at`: unknown → true; deactivated →
    // false; absent until after `at` → false; with timeman, a working day read and not
    // OPENED → false. The absence's end is kept, not a yes/no, so a manager is back the
    // moment it passes, without waiting for the next refresh.
    bool allows(const std::string& user_id, TimePoint at) const;

  private:
    struct Known {
        bool active = true;
        std::optional<TimePoint> absent_until;
        std::optional<std::string> timeman;
    };

    mutable std::mutex mutex_;
    bool use_timeman_;  // under mutex_
    std::map<std::string, Known> users_;
};

}  // namespace reglament::daemon
