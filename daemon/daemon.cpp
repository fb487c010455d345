#include "daemon/daemon.hpp"

#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "daemon/admin.hpp"
#include "daemon/log_limiter.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics.hpp"
#include "daemon/spine.hpp"
#include "daemon/state_guard.hpp"
#include "daemon/version.hpp"
#include "net/http_server.hpp"
#include "rules/iso_time.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;

namespace {

void print_problems(const std::vector<config::Problem>& problems) {
    for (const auto& p : problems)
        std::cerr << config::format_problem(p) << "\n";
}

std::shared_ptr<Clock> make_clock(const config::ClockSettings& settings,
                                  std::shared_ptr<SystemClock> system,
                                  AdjustableClock** adjustable) {
    *adjustable = nullptr;
    switch (settings.mode) {
        case config::ClockMode::system:
            return system;
        case config::ClockMode::manual: {
            auto c = std::make_shared<ManualClock>(settings.start.value_or(system->now()));
            *adjustable = c.get();
            return c;
        }
        case config::ClockMode::scaled: {
            auto c = std::make_shared<ScaledClock>(settings.start.value_or(system->now()),
                                                   settings.factor, system);
            *adjustable = c.get();
            return c;
        }
    }
    return system;
}

// Idle connections each hold a descriptor; the default soft limit (1024) is far below what a
// burst of webhook senders may open.
void raise_open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void warn_about_calendar(const Calendar& calendar, const Clock& clock) {
    for (int year : calendar.years_missing_holidays(clock.now()))
        spdlog::warn(
            "calendar: no dated public holidays for {} in the config; only the fixed Labour Code "
            "holidays are days off, transferred days are not known (add them under [calendar])",
            year);
}

class Service {
  public:
    Service(config::Config cfg, RunOptions options)
        : config_(std::move(cfg)), options_(std::move(options)), calendar_(config_.calendar) {
        system_clock_ = std::make_shared<SystemClock>();
        clock_ = make_clock(config_.clock, system_clock_, &adjustable_clock_);
        declare_metrics();
    }
    ~Service() { stop_hook_threads(); }
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    int run() {
        raise_open_file_limit();
        started_ = std::chrono::steady_clock::now();

        AdminContext admin;
        admin.metrics = &metrics_;
        admin.clock = clock_.get();
        admin.adjustable_clock = adjustable_clock_;
        admin.started = started_;
        admin.steady_now = [] { return std::chrono::steady_clock::now(); };
        admin.on_clock_changed = [this] {
            spdlog::info("clock set to {}", format_iso8601(clock_->now()));
            if (spine_) spine_->wake();
        };
        admin.offset_minutes = [this](TimePoint t) {
            auto info = calendar_.zone().get_info(
                date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
            return static_cast<int>(
                std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
        };
        admin.extra_health = [this] { return nlohmann::json{{"dry_run", options_.dry_run}}; };
        admin.problems = [this] {
            return spine_ ? spine_->problems() : std::vector<std::string>{};
        };

        net::ServerOptions admin_options;
        admin_options.address = config_.server.admin_address;
        admin_options.port = config_.server.admin_port;
        admin_options.body_limit = 64 * 1024;
        admin_options.on_refused = refusal_counter("admin");
        admin_server_ = std::make_unique<net::HttpServer>(
            io_, admin_options, [this, admin](net::Request&& req, net::Reply reply) {
                auto response = handle_admin(req, admin);
                count_request("admin", std::string(req.path()), response.status);
                reply(std::move(response));
            });

        net::ServerOptions hook_options;
        hook_options.address = config_.server.listen_address;
        hook_options.port = config_.server.listen_port;
        hook_options.body_limit = 256 * 1024;
        hook_options.header_timeout = std::chrono::seconds(10);
        hook_options.body_timeout = std::chrono::seconds(30);
        hook_options.max_connections = config_.server.max_connections;
        hook_options.max_connections_per_address = config_.server.max_connections_per_address;
        hook_options.on_refused = refusal_counter("hooks");
        make_hook_contexts();
        std::vector<asio::io_context*> hook_workers;
        for (auto& io : hook_ios_)
            hook_workers.push_back(io.get());
        hook_server_ = std::make_unique<net::HttpServer>(
            *hook_ios_.front(), hook_workers, hook_options,
            [this](net::Request&& req, net::Reply reply) {
                std::string path(req.path());
                net::Reply counted = [this, path, reply = std::move(reply)](net::Response r) {
                    count_request("hooks", path, r.status);
                    reply(std::move(r));
                };
                if (spine_ && spine_->handle_hook(req, counted)) return;
                counted(net::Response::json(404, R"({"error":"no such endpoint"})"));
            });

        if (auto refusal = check_state_file(config_.store.path, false)) {
            if (!options_.start_empty) {
                spdlog::critical("{}", *refusal);
                return 1;
            }
            spdlog::warn("--start-empty: starting with no state; {} was missing or empty",
                         config_.store.path);
        }
        try {
            spine_ = std::make_unique<Spine>(io_, config_, *clock_, options_.dry_run, metrics_,
                                             [this](std::function<void()> answers) {
                                                 answer_on_hook_threads(std::move(answers));
                                             });
            mark_state_present(config_.store.path);
            admin_server_->start();
            hook_server_->start();
            start_hook_threads();
        } catch (const std::exception& e) {
            spdlog::critical("{}", e.what());
            return 1;
        }
        spine_->start();

        warn_about_calendar(calendar_, *clock_);
        asio::signal_set signals(io_, SIGINT, SIGTERM, SIGHUP);
        wait_for_signal(signals);
        start_watchdog();

        spdlog::info("reglamentd {} started: webhooks on {}:{}, admin on {}:{}, clock {}{}",
                     version(), config_.server.listen_address, hook_server_->port(),
                     config_.server.admin_address, admin_server_->port(),
                     config::to_string(config_.clock.mode), options_.dry_run ? ", dry-run" : "");
        sd_notify(0, "READY=1");
        io_.run();
        stop_hook_threads();
        spine_.reset();
        spdlog::info("reglamentd stopped");
        return 0;
    }

  private:
    void declare_metrics() {
        metrics_.declare_gauge("reglament_build_info", "Build information.");
        metrics_.set("reglament_build_info", {{"version", std::string(version())}}, 1);
        metrics_.gauge_callback(
            "reglament_uptime_seconds", "Seconds since the daemon started.", [this] {
                return std::vector<std::pair<Labels, double>>{
                    {{},
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
                         .count()}};
            });
        metrics_.declare_counter("reglament_http_requests_total",
                                 "HTTP requests answered, by server, path and status.");
        metrics_.declare_counter(
            "reglament_http_rejected_total",
            "HTTP requests refused with a 4xx, by the server itself (400 malformed, 408 too "
            "slow, 413 too large, 431 headers too large) or by the endpoint, by server, endpoint "
            "and code.");
        metrics_.declare_counter("reglament_http_connections_refused_total",
                                 "Connections closed at once for a connection cap, by server.");
    }

    // What may appear as a path label: webhook secrets travel in paths
    // (/hooks/wazzup/<secret>), and a stranger's paths are unbounded.
    static std::string endpoint_label(std::string_view path) {
        path = path.substr(0, path.find('?'));
        if (path.starts_with("/hooks/wazzup/")) return "/hooks/wazzup/***";
        if (path == "/healthz" || path == "/metrics" || path == "/admin/clock" ||
            path == "/hooks/bitrix")
            return std::string(path);
        return path.empty() ? "unknown" : "other";
    }

    void count_request(const std::string& server, const std::string& path, int status) {
        auto endpoint = endpoint_label(path);
        metrics_.add("reglament_http_requests_total",
                     {{"server", server}, {"path", endpoint}, {"status", std::to_string(status)}});
        if (status >= 400 && status < 500)
            metrics_.add(
                "reglament_http_rejected_total",
                {{"server", server}, {"endpoint", endpoint}, {"code", std::to_string(status)}});
    }

    // Requests and connections the HTTP server refuses before a handler sees them: counted,
    // and logged at most a few lines a minute (a flood of them is one line and a count).
    std::function<void(int, std::string_view, std::string_view, const std::string&)>
    refusal_counter(std::string server) {
        return [this, server](int status, std::string_view target, std::string_view reason,
                              const std::string& remote) {
            if (status == 0) {
                metrics_.add("reglament_http_connections_refused_total", {{"server", server}});
            } else {
                metrics_.add("reglament_http_rejected_total", {{"server", server},
                                                               {"endpoint", endpoint_label(target)},
                                                               {"code", std::to_string(status)}});
            }
            if (auto left_out = refusal_log_.allow(server + (status == 0 ? ".conn" : ".http")))
                spdlog::warn("http: {} {} from {} refused{}: {}{}", server,
                             status == 0 ? "connection" : "request", remote,
                             status == 0 ? std::string() : " (" + std::to_string(status) + ")",
                             reason, left_out_suffix(*left_out));
        };
    }

    void wait_for_signal(asio::signal_set& signals) {
        signals.async_wait([this, &signals](const boost::system::error_code& ec, int signo) {
            if (ec) return;
            if (signo == SIGHUP) {
                reload();
                wait_for_signal(signals);
                return;
            }
            spdlog::info("signal {}: shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
            sd_notify(0, "STOPPING=1");
            admin_server_->stop();
            hook_server_->stop();
            if (watchdog_) watchdog_->cancel();
            signals.cancel();
            spine_->stop();
            drain(std::chrono::steady_clock::now() + std::chrono::seconds(10));
        });
    }

    // Requests in flight finish and get their answers; then the loop ends.
    void drain(std::chrono::steady_clock::time_point deadline) {
        if (admin_server_->open_connections() + hook_server_->open_connections() == 0 ||
            std::chrono::steady_clock::now() >= deadline) {
            // After what is already queued: the clients' shutdowns that Spine::stop posted.
            asio::post(io_, [this] { io_.stop(); });
            return;
        }
        graceful_stop_.expires_after(std::chrono::milliseconds(20));
        graceful_stop_.async_wait([this, deadline](const boost::system::error_code& e) {
            if (!e) drain(deadline);
        });
    }

    void reload() {
        sd_notify(0, "RELOADING=1");
        auto result = config::check(options_.config_path);
        if (!result.errors.empty()) {
            for (const auto& p : result.errors)
                spdlog::error("reload refused, keeping the running config: {}",
                              config::format_problem(p));
        } else {
            auto& fresh = *result.config;
            auto level = options_.log_level.value_or(fresh.log_level);
            if (auto normalized = normalize_log_level(level))
                spdlog::set_level(spdlog::level::from_str(*normalized));
            if (fresh.server.listen_address != config_.server.listen_address ||
                fresh.server.listen_port != config_.server.listen_port ||
                fresh.server.admin_address != config_.server.admin_address ||
                fresh.server.admin_port != config_.server.admin_port ||
                fresh.server.max_connections != config_.server.max_connections ||
                fresh.server.max_connections_per_address !=
                    config_.server.max_connections_per_address ||
                fresh.store.path != config_.store.path ||
                fresh.store.keep_done_events != config_.store.keep_done_events ||
                fresh.store.keep_journal != config_.store.keep_journal ||
                fresh.store.keep_closed != config_.store.keep_closed ||
                fresh.store.keep_marks != config_.store.keep_marks)
                spdlog::warn("reload: listen addresses and [store] change only on restart");
            for (const auto& w : fresh.warnings)
                spdlog::warn("{}", config::format_problem(w));
            fresh.server = config_.server;
            fresh.store = config_.store;
            fresh.clock = config_.clock;
            try {
                if (spine_) spine_->reload(fresh);
            } catch (const std::exception& e) {
                spdlog::error("reload refused, keeping the running config: {}", e.what());
                sd_notify(0, "READY=1");
                return;
            }
            config_ = std::move(fresh);
            spdlog::info("configuration reloaded from {}", options_.config_path.string());
        }
        sd_notify(0, "READY=1");
    }

    // Webhook requests are parsed and answered on their own threads, one per core: under a
    // flood that is the daemon's busiest work, and it must neither wait behind an engine step
    // on io_ nor leave a core idle while the other one parses. Each thread runs its own
    // io_context (a connection stays on one thread: no strands, no locks between them).
    void make_hook_contexts() {
        unsigned cores = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
        for (unsigned i = 0; i < cores; ++i)
            hook_ios_.push_back(std::make_unique<asio::io_context>(1));
    }

    void start_hook_threads() {
        {
            std::lock_guard lock(answers_mutex_);
            hooks_running_ = true;
        }
        for (auto& io : hook_ios_) {
            hook_work_.emplace_back(io->get_executor());
            hook_threads_.emplace_back([&io = *io] { io.run(); });
        }
    }

    // Before the spine goes: the webhook handler calls into it.
    void stop_hook_threads() {
        {
            std::lock_guard lock(answers_mutex_);
            hooks_running_ = false;
        }
        hook_work_.clear();
        for (auto& io : hook_ios_)
            io->stop();
        for (auto& t : hook_threads_)
            t.join();
        hook_threads_.clear();
        run_answers();  // what the threads left: no answer may be dropped unsent
    }

    // The group-commit thread hands each committed batch's answers here. On a webhook thread
    // they resume each session in place (one wake-up per batch instead of one per event, and
    // the sends go out back to back); batches that come while one is queued join it.
    void answer_on_hook_threads(std::function<void()> answers) {
        std::unique_lock lock(answers_mutex_);
        if (!hooks_running_) {
            lock.unlock();
            answers();
            return;
        }
        bool first = answers_.empty();
        answers_.push_back(std::move(answers));
        // Taking turns: the answers for the other threads' connections are posted to them.
        auto& io = *hook_ios_[next_answers_++ % hook_ios_.size()];
        lock.unlock();
        if (first) asio::post(io, [this] { run_answers(); });
    }

    void run_answers() {
        std::vector<std::function<void()>> due;
        {
            std::lock_guard lock(answers_mutex_);
            due.swap(answers_);
        }
        for (auto& answers : due)
            answers();
    }

    void start_watchdog() {
        std::uint64_t usec = 0;
        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
        watchdog_ = std::make_unique<asio::steady_timer>(io_);
        watchdog_interval_ = std::chrono::microseconds(usec / 2);
        arm_watchdog();
    }

    // Pinged from the event loop itself, so a stuck loop stops the pings and systemd restarts us;
    // and only while the engine finishes steps: a live loop around a wedged engine (a read whose
    // answer never comes back to it) would otherwise keep a daemon that decides nothing running.
    void arm_watchdog() {
        watchdog_->expires_after(watchdog_interval_);
        watchdog_->async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            if (!spine_ || spine_->engine_progressing()) {
                sd_notify(0, "WATCHDOG=1");
                watchdog_withheld_ = false;
            } else if (!std::exchange(watchdog_withheld_, true)) {
                spdlog::critical(
                    "watchdog: the engine has finished no step for [server] engine_stall_seconds "
                    "({} s); systemd is no longer told the daemon is alive",
                    config_.server.engine_stall.count());
            }
            arm_watchdog();
        });
    }

    config::Config config_;
    RunOptions options_;
    Calendar calendar_;
    asio::io_context io_;
    std::vector<std::unique_ptr<asio::io_context>> hook_ios_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> hook_work_;
    std::vector<std::thread> hook_threads_;
    std::mutex answers_mutex_;
    bool hooks_running_ = false;
    std::size_t next_answers_ = 0;
    std::vector<std::function<void()>> answers_;
    std::shared_ptr<SystemClock> system_clock_;
    std::shared_ptr<Clock> clock_;
    AdjustableClock* adjustable_clock_ = nullptr;
    Metrics metrics_;
    std::chrono::steady_clock::time_point started_;
    LogLimiter refusal_log_;
    std::unique_ptr<net::HttpServer> admin_server_;
    std::unique_ptr<net::HttpServer> hook_server_;
    std::unique_ptr<Spine> spine_;
    std::unique_ptr<asio::steady_timer> watchdog_;
    std::chrono::microseconds watchdog_interval_{0};
    bool watchdog_withheld_ = false;
    asio::steady_timer graceful_stop_{io_};
};

}  // namespace

int run_daemon(const RunOptions& options) {
    // A file size limit (LimitFSIZE=, a quota) must be a write error the store reports, as a full
    // disk is, not a signal that ends the process with webhook answers in flight.
    std::signal(SIGXFSZ, SIG_IGN);
    auto result = config::check(options.config_path);
    if (!result.errors.empty()) {
        std::cerr << "reglamentd: refusing to start, the config has " << result.errors.size()
                  << " problem(s):\n";
        print_problems(result.errors);
        return 1;
    }
    auto& cfg = *result.config;
    try {
        setup_logging(options.log_level.value_or(cfg.log_level), stderr_is_journal());
    } catch (const std::exception& e) {
        std::cerr << "reglamentd: " << e.what() << "\n";
        return 1;
    }
    for (const auto& w : cfg.warnings)
        spdlog::warn("{}", config::format_problem(w));
    Service service(std::move(cfg), options);
    return service.run();
}

}  // namespace reglament::daemon
