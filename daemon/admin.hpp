// The admin endpoint (default 127.0.0.1): GET /healthz, GET /metrics, and POST /admin/clock
// when the clock may be adjusted. A pure request -> response function; the server is elsewhere.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/metrics.hpp"
#include "net/http_message.hpp"
#include "rules/clock.hpp"

namespace reglament::daemon {

struct AdminContext {
    Metrics* metrics = nullptr;
    const Clock* clock = nullptr;
    AdjustableClock* adjustable_clock = nullptr;  // null: /admin/clock answers 404
    std::chrono::steady_clock::time_point started;
    std::function<std::chrono::steady_clock::time_point()> steady_now;
    std::function<void()> on_clock_changed;        // re-arm timers after a jump
    std::function<nlohmann::json()> extra_health;  // queue depths etc., merged into /healthz
    // Why the daemon is not doing its job right now (webhooks cannot be committed, a wedged
    // engine), one sentence each; any makes /healthz answer 503 with them.
    std::function<std::vector<std::string>()> problems;
    // The offset (minutes east of UTC) times are answered in: the calendar's zone at that moment.
    std::function<int(TimePoint)> offset_minutes;
};

net::Response handle_admin(const net::Request& request, const AdminContext& context);

}  // namespace reglament::daemon
