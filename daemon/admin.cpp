#include "daemon/admin.hpp"

#include <cmath>

#include "daemon/version.hpp"
#include "rules/iso_time.hpp"

namespace reglament::daemon {

namespace {

net::Response json_error(int status, const std::string& message) {
    // Replace, not throw: the message may quote what the caller sent.
    return net::Response::json(
        status, nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace));
}

// The span of times the daemon works in (the same as the webhook intake's): before 1970 or
// after 2100 a clock setting is a typo, and calendar arithmetic is not made for it.
const TimePoint kEarliest{};
const TimePoint kLatest{std::chrono::seconds(4133980799)};  // 2100-12-31T23:59:59Z
const char* const kRangeError = "the clock must stay between 1970-01-01 and 2100-12-31";

net::Response handle_clock(const net::Request& request, const AdminContext& ctx) {
    if (!ctx.adjustable_clock)
        return json_error(404, "the clock is not adjustable (clock.mode is \"system\")");
    if (request.method != "POST") return json_error(405, "use POST");
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return json_error(
            400,
            "body must be a JSON object: {\"now\": \"<ISO 8601>\"} or {\"advance\": <seconds>}");
    if (body.contains("now")) {
        if (!body["now"].is_string())
            return json_error(
                400, "\"now\" must be an ISO 8601 string such as 2026-03-02T09:00:00+03:00");
        auto t = parse_iso8601(body["now"].get<std::string>());
        if (!t)
            return json_error(400, "\"now\" is not an ISO 8601 date-time: " +
                                       body["now"].get<std::string>().substr(0, 64));
        if (*t < kEarliest || *t > kLatest) return json_error(400, kRangeError);
        ctx.adjustable_clock->set(*t);
    } else if (body.contains("advance")) {
        double seconds = 0;
        const auto& a = body["advance"];
        if (a.is_number()) {
            seconds = a.get<double>();
        } else if (a.is_string()) {
            try {
                std::size_t used = 0;
                seconds = std::stod(a.get<std::string>(), &used);
                if (used != a.get<std::string>().size()) throw std::invalid_argument("trailing");
            } catch (const std::exception&) {
                return json_error(400, "\"advance\" must be a number of seconds");
            }
        } else {
            return json_error(400, "\"advance\" must be a number of seconds");
        }
        if (!std::isfinite(seconds) || seconds < 0)
            return json_error(400, "\"advance\" must be a non-negative number of seconds");
        // Checked in seconds before converting: a huge number would overflow the milliseconds.
        const double room =
            std::chrono::duration<double>(kLatest - ctx.adjustable_clock->now()).count();
        if (seconds > room) return json_error(400, kRangeError);
        ctx.adjustable_clock->advance(
            std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
    } else {
        return json_error(400, "give \"now\" (ISO 8601) or \"advance\" (seconds)");
    }
    if (ctx.on_clock_changed) ctx.on_clock_changed();
    auto now = ctx.adjustable_clock->now();
    return net::Response::json(
        200, nlohmann::json{{"now",
                             format_iso8601(now, ctx.offset_minutes ? ctx.offset_minutes(now) : 0)}}
                 .dump());
}

}  // namespace

net::Response handle_admin(const net::Request& request, const AdminContext& ctx) {
    auto path = request.path();
    if (path == "/healthz") {
        auto uptime = std::chrono::duration<double>(ctx.steady_now() - ctx.started).count();
        nlohmann::json body{
            {"status", "ok"}, {"version", std::string(version())}, {"uptime_seconds", uptime}};
        if (ctx.clock) {
            auto now = ctx.clock->now();
            body["now"] = format_iso8601(now, ctx.offset_minutes ? ctx.offset_minutes(now) : 0);
        }
        if (ctx.extra_health) body.update(ctx.extra_health());
        auto problems = ctx.problems ? ctx.problems() : std::vector<std::string>{};
        if (problems.empty()) return net::Response::json(200, body.dump());
        body["status"] = "failing";
        body["problems"] = problems;
        return net::Response::json(503, body.dump());
    }
    if (path == "/metrics") {
        net::Response r;
        r.status = 200;
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.body = ctx.metrics ? ctx.metrics->render() : std::string();
        return r;
    }
    if (path == "/admin/clock") return handle_clock(request, ctx);
    return json_error(404, "no such endpoint");
}

}  // namespace reglament::daemon
