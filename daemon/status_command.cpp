#include "daemon/status_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "daemon/command_config.hpp"
#include "daemon/terminal_text.hpp"
#include "net/http_client.hpp"
#include "rules/calendar.hpp"
#include "rules/iso_time.hpp"
#include "store/sqlite_store.hpp"

namespace reglament::daemon {

namespace {

constexpr const char* kLastPollKey = "poller:last_success";

std::string duration_text(std::chrono::milliseconds d) {
    bool negative = d.count() < 0;
    auto s = std::chrono::duration_cast<std::chrono::seconds>(negative ? -d : d).count();
    char buf[64];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    else if (s < 86400)
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(s / 86400),
                      static_cast<long long>(s / 3600 % 24));
    return negative ? "-" + std::string(buf) : std::string(buf);
}

// What the admin endpoint says, when it answers.
struct Live {
    std::string url;
    std::optional<nlohmann::json> health;
    std::string metrics;
    std::string error;  // why it did not answer
};

std::string admin_base(const config::Config& cfg) {
    std::string host = cfg.server.admin_address;
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(cfg.server.admin_port);
}

Live ask_daemon(const config::Config& cfg) {
    Live live;
    live.url = admin_base(cfg);
    net::ClientOptions o;
    o.connect_timeout = std::chrono::seconds(2);
    o.request_timeout = std::chrono::seconds(5);
    net::BlockingHttpClient http(o);
    auto get = [&](const std::string& path) -> std::optional<net::Response> {
        net::ClientRequest request;
        request.url = live.url + path;
        auto r = http.request(request);
        if (!r.response) {
            live.error = r.error ? r.error->message : "no answer";
            return std::nullopt;
        }
        if (r.response->status != 200) {
            live.error = path + " answered " + std::to_string(r.response->status);
            return std::nullopt;
        }
        return r.response;
    };
    if (auto h = get("/healthz")) {
        auto body = nlohmann::json::parse(h->body, nullptr, false);
        if (body.is_object())
            live.health = body;
        else
            live.error = "/healthz did not answer JSON";
    }
    if (live.health) {
        if (auto m = get("/metrics")) live.metrics = m->body;
    }
    return live;
}

// Sums the samples of a counter by one label ("outcome" → {"done": 12, "failed": 1}); the
// whole family under "" when `label` is empty.
std::map<std::string, double> sum_by(const std::string& metrics, const std::string& name,
                                     const std::string& label) {
    std::map<std::string, double> out;
    std::istringstream in(metrics);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.compare(0, name.size(), name) != 0) continue;
        if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ')
            continue;
        auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        double value = 0;
        try {
            value = std::stod(line.substr(space + 1));
        } catch (const std::exception&) {
            continue;
        }
        std::string key;
        if (!label.empty()) {
            auto at = line.find(label + "=\"");
            if (at == std::string::npos || at > space) continue;
            at += label.size() + 2;
            key = line.substr(at, line.find('"', at) - at);
        }
        out[key] += value;
    }
    return out;
}

std::string counts_text(const std::map<std::string, double>& counts) {
    std::string out;
    for (const auto& [k, v] : counts) {
        if (!out.empty()) out += ", ";
        out += k + " " + std::to_string(static_cast<long long>(v));
    }
    return out.empty() ? "none" : out;
}

// The latest failed actions from the journal, newest first. The journal is read oldest first
// from a moment on, so windows widen back from `now` until enough failures are found (or a
// window holds too many lines to read).
std::vector<store::JournalEntry> latest_failures(store::Store& store, TimePoint now,
                                                 std::size_t wanted) {
    using namespace std::chrono;
    constexpr std::size_t kMaxLines = 20000;
    std::vector<store::JournalEntry> found;
    for (auto window : {hours(1), hours(24), hours(24 * 7), hours(24 * 31), hours(24 * 366)}) {
        store::JournalQuery q;
        q.since = now - window;
        q.limit = kMaxLines;
        auto lines = store.query_journal(q);
        if (lines.size() >= kMaxLines && !found.empty()) break;  // keep the narrower window's
        std::vector<store::JournalEntry> failures;
        for (auto it = lines.rbegin(); it != lines.rend() && failures.size() < wanted; ++it)
            if (!it->dry_run && it->result.rfind("failed", 0) == 0) failures.push_back(*it);
        found = std::move(failures);
        if (found.size() >= wanted || lines.size() >= kMaxLines) break;
    }
    return found;
}

}  // namespace

int status_command(const StatusOptions& options) {
    auto loaded = load_for_command(options.config_path);
    if (!loaded) return 1;
    const auto& cfg = *loaded;
    Calendar calendar(cfg.calendar);
    auto local = [&](TimePoint t) {
        auto info = calendar.zone().get_info(
            date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
        return format_iso8601(
            t, static_cast<int>(
                   std::chrono::duration_cast<std::chrono::minutes>(info.offset).count()));
    };

    auto live = ask_daemon(cfg);
    // The daemon's clock (manual or scaled in a demo) when it answers, else this machine's.
    TimePoint now = SystemClock().now();
    bool daemon_clock = false;
    if (live.health && live.health->contains("now") && (*live.health)["now"].is_string()) {
        if (auto t = parse_iso8601((*live.health)["now"].get<std::string>())) {
            now = *t;
            daemon_clock = true;
        }
    }

    // With a manual or scaled clock and no daemon to ask, "now" is unknown: no ages then.
    const bool relative = daemon_clock || cfg.clock.mode == config::ClockMode::system;
    std::cout << "config      " << cfg.file << "\n";
    if (live.health) {
        const auto& h = *live.health;
        std::cout << "daemon      up "
                  << duration_text(std::chrono::milliseconds(
                         static_cast<long long>(h.value("uptime_seconds", 0.0) * 1000)))
                  << ", version " << h.value("version", std::string("?")) << ", admin " << live.url;
        if (h.value("dry_run", false)) std::cout << ", --dry-run (every rule)";
        std::cout << "\n";
        if (daemon_clock && cfg.clock.mode != config::ClockMode::system)
            std::cout << "clock       " << local(now) << " (" << config::to_string(cfg.clock.mode)
                      << ")\n";
    } else {
        std::cout << "daemon      not answering at " << live.url << ": " << live.error << "\n";
    }

    const auto& path = cfg.store.path;
    std::cout << "state file  " << path << "\n";
    if (!std::filesystem::exists(path)) {
        std::cerr << "reglamentd status: no state file at " << path
                  << " (the daemon has not run with this config yet)\n";
        return 1;
    }
    try {
        store::SqliteOptions so;
        so.read_only = true;
        store::SqliteStore store(path, so);
        auto m = store.metrics(now);
        auto age = [&](const std::optional<std::chrono::milliseconds>& a) {
            return a && relative ? ", oldest " + duration_text(*a) : std::string();
        };
        std::cout << "inbox       " << m.inbox_pending << " pending"
                  << age(m.inbox_oldest_pending_age) << ", " << m.inbox_failed << " failed\n";
        std::cout << "outbox      " << m.outbox_open << " open (" << m.outbox_unknown << " unknown)"
                  << age(m.outbox_oldest_open_age) << ", " << m.outbox_failed << " failed\n";
        std::cout << "timers      " << m.timers;
        if (m.earliest_timer) std::cout << ", earliest " << local(*m.earliest_timer);
        if (m.earliest_timer && relative)
            std::cout << " (in "
                      << duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                             *m.earliest_timer - now))
                      << ")";
        std::cout << "\n";
        std::cout << "last poll   ";
        auto polled = store.get_kv(kLastPollKey);
        auto polled_at = polled ? parse_iso8601(*polled) : std::nullopt;
        if (polled_at && !relative)
            std::cout << local(*polled_at) << "\n";
        else if (polled_at)
            std::cout << local(*polled_at) << " ("
                      << duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                             now - *polled_at))
                      << " ago)\n";
        else
            std::cout << "never\n";

        std::string on, dry, off;
        for (const auto& id : config::rule_ids) {
            const auto& r = cfg.rule(id);
            std::string& list = !r.enabled ? off : r.dry_run ? dry : on;
            list += (list.empty() ? "" : " ") + std::string(id);
        }
        std::cout << "rules on    " << (on.empty() ? "none" : on) << "\n";
        std::cout << "dry-run     " << (dry.empty() ? "none" : dry) << "\n";
        std::cout << "off         " << (off.empty() ? "none" : off) << "\n";

        if (!live.metrics.empty()) {
            std::cout << "actions     "
                      << counts_text(sum_by(live.metrics, "reglament_actions_total", "outcome"))
                      << " (since start)\n";
            std::cout << "webhooks    "
                      << counts_text(sum_by(live.metrics, "reglament_webhooks_total", "outcome"))
                      << "\n";
            auto polls = sum_by(live.metrics, "reglament_polls_total", "");
            auto poll_failures = sum_by(live.metrics, "reglament_poll_failures_total", "");
            std::cout << "polls       " << static_cast<long long>(polls[""]) << ", "
                      << static_cast<long long>(poll_failures[""]) << " failed listing(s)\n";
            auto rejected = sum_by(live.metrics, "reglament_portal_auth_rejected", "");
            std::cout << "portal auth "
                      << (rejected[""] > 0 ? "REJECTED (HTTP 401): events and actions wait; put "
                                             "the current webhook URL in the config and run "
                                             "`systemctl reload reglamentd`"
                                           : "accepted")
                      << "\n";
            // The Bitrix24 client's rate limiter (burst less headroom, shrunk after a 503).
            auto left = sum_by(live.metrics, "reglament_rest_budget_remaining", "");
            auto capacity = sum_by(live.metrics, "reglament_rest_budget_capacity", "");
            std::cout << "rate budget ";
            if (left.count("") && capacity.count(""))
                std::cout << static_cast<long long>(std::floor(left[""])) << " of "
                          << static_cast<long long>(std::floor(capacity[""]))
                          << " Bitrix24 REST requests left\n";
            else
                std::cout << "unknown (the daemon does not export it)\n";
        }

        auto failures = latest_failures(store, now, options.errors);
        std::cout << "last errors " << (failures.empty() ? "none" : "") << "\n";
        for (const auto& e : failures)
            std::cout << "  " << local(e.time) << "  " << e.rule_id << "  "
                      << printable(e.entity_key) << "  " << e.action << "  " << printable(e.result)
                      << "\n";

        // Parked rows wait for the admin: the reason, and the command once it is fixed.
        auto parked_events = store.parked_events(options.errors);
        auto parked_actions = store.parked_actions(options.errors);
        std::cout << "parked      " << m.inbox_failed << " event(s), " << m.outbox_failed
                  << " action(s)";
        if (m.inbox_failed + m.outbox_failed > 0)
            std::cout << "; once the cause is fixed: reglamentd requeue --config " << cfg.file
                      << " --all (or --event ID, --action ID)";
        std::cout << "\n";
        for (const auto& e : parked_events)
            std::cout << "  event " << e.id << "  " << printable(e.event.entity_key) << "  "
                      << printable(e.event.kind) << "  " << e.attempts << " attempt(s)  "
                      << printable(e.last_error) << "\n";
        for (const auto& a : parked_actions)
            std::cout << "  action " << a.id << "  " << printable(a.action.entity_key) << "  "
                      << a.action.kind << "  " << a.attempts << " attempt(s)  "
                      << printable(a.last_error) << "\n";
    } catch (const std::exception& e) {
        std::cerr << "reglamentd status: " << e.what() << "\n";
        return 1;
    }
    return live.health ? 0 : 3;
}

}  // namespace reglament::daemon
