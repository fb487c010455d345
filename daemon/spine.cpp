#include "daemon/spine.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include "bitrix/client.hpp"
#include "bitrix/redact.hpp"
#include "daemon/engine.hpp"
#include "daemon/intake.hpp"
#include "daemon/outbox_worker.hpp"
#include "daemon/poller.hpp"
#include "daemon/portal_auth.hpp"
#include "daemon/portal_presence.hpp"
#include "daemon/presence_refresher.hpp"
#include "daemon/rule_set.hpp"
#include "daemon/store_world.hpp"
#include "net/http_client.hpp"
#include "rules/iso_time.hpp"
#include "store/inbox_writer.hpp"
#include "store/sqlite_store.hpp"
#include "wazzup/client.hpp"

namespace reglament::daemon {

namespace {

constexpr const char* kRefreshTokenKey = "oauth:refresh_token";

std::unique_ptr<store::SqliteStore> open_store(const std::string& path) {
    std::filesystem::path file(path);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    return std::make_unique<store::SqliteStore>(file);
}

bitrix::ClientOptions bitrix_options(const config::Config& config, store::Store& store) {
    bitrix::ClientOptions o;
    const auto& portal = config.portal;
    if (portal.webhook_url) {
        o.webhook_url = portal.webhook_url->reveal();
    } else if (portal.oauth) {
        const auto& oauth = *portal.oauth;
        o.client_endpoint = oauth.client_endpoint;
        o.oauth_token_url = oauth.token_url;
        o.client_id = oauth.client_id;
        o.client_secret = oauth.client_secret.reveal();
        // The refresh token rotates on every refresh: the stored one is newer than the file's.
        if (auto stored = store.get_kv(kRefreshTokenKey))
            o.refresh_token = *stored;
        else if (oauth.refresh_token)
            o.refresh_token = oauth.refresh_token->reveal();
        o.persist_tokens = [&store](const bitrix::OAuthTokens& tokens) {
            store.put_kv(kRefreshTokenKey, tokens.refresh_token);
        };
    }
    o.bucket.burst = portal.rate_limit.burst;
    o.bucket.drain_per_second = portal.rate_limit.drain_per_second;
    // The new address carries the webhook's code: the admin copies the code from the config,
    // never from a log line.
    o.on_portal_moved = [](const std::string& base) {
        spdlog::warn("portal: Bitrix24 moved the portal to {}; update [portal] in the config",
                     bitrix::redact_url(base));
    };
    return o;
}

PresenceRefresherOptions presence_options(const config::People& people) {
    PresenceRefresherOptions o;
    for (const auto* group : {&people.managers, &people.heads})
        for (const auto& person : *group)
            o.user_ids.push_back(std::to_string(person.user_id));
    o.interval = std::chrono::duration_cast<std::chrono::milliseconds>(people.presence_refresh);
    o.use_timeman = people.use_timeman;
    return o;
}

IntakeSettings intake_settings(const config::Config& config) {
    IntakeSettings s;
    s.application_token = config.portal.application_token.reveal();
    if (config.wazzup) s.wazzup_secret = config.wazzup->webhook_secret.reveal();
    return s;
}

}  // namespace

struct Spine::Impl {
    boost::asio::io_context& io;
    const Clock& clock;
    Metrics& metrics;
    PortalAuth portal_auth;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<bitrix::Client> bitrix;
    std::unique_ptr<net::AsyncHttpClient> http;
    std::unique_ptr<wazzup::Client> wazzup;
    std::unique_ptr<OutboxWorker> outbox;
    std::unique_ptr<Poller> poller;
    std::unique_ptr<PortalPresence> portal_presence;
    std::unique_ptr<PresenceRefresher> presence_refresher;
    std::unique_ptr<StoreWorld> world;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<store::InboxWriter> writer;
    std::unique_ptr<Intake> intake;
    std::shared_ptr<const Calendar> calendar;
    std::string wazzup_channel_id;       // the channel free texts go through
    std::string wazzup_waba_channel_id;  // the channel WABA templates go through; may be empty
    std::chrono::seconds engine_stall;
    // [people] shifts, replaced on a reload; read by the engine's world on any thread.
    mutable std::mutex shifts_mutex;
    std::shared_ptr<const Presence> shifts;

    Impl(boost::asio::io_context& io_, const config::Config& config, const Clock& clock_,
         bool dry_run, Metrics& metrics_, std::function<void(std::function<void()>)> answer_on)
        : io(io_), clock(clock_), metrics(metrics_), engine_stall(config.server.engine_stall) {
        declare_metrics();
        store = open_store(config.store.path);
        bitrix = std::make_unique<bitrix::Client>(io, bitrix_options(config, *store), clock);
        http = std::make_unique<net::AsyncHttpClient>(io);
        if (config.wazzup) {
            wazzup::ClientConfig wc;
            wc.base_url = config.wazzup->api_url;
            wc.api_key = config.wazzup->api_key.reveal();
            wazzup = std::make_unique<wazzup::Client>(io, *http, clock, wc);
            wazzup_channel_id = config.wazzup->channel_id;
            wazzup_waba_channel_id = config.wazzup->waba_channel_id;
        }
        // Rows of different entities run side by side, so the client can pack their calls into
        // full batches: at 2 requests/s a batch of 50 is what keeps a busy portal up to date.
        OutboxOptions oo;
        oo.max_in_flight = 50;
        oo.auth = &portal_auth;
        outbox = std::make_unique<OutboxWorker>(
            io, *store, clock, *bitrix, wazzup.get(), plan_settings(config), oo,
            [this](const store::StoredAction& row, std::string_view outcome) {
                metrics.add("reglament_actions_total", {{"rule", row.action.rule_id},
                                                        {"kind", row.action.kind},
                                                        {"outcome", std::string(outcome)}});
            });
        PollerOptions po;
        po.interval =
            std::chrono::duration_cast<std::chrono::milliseconds>(config.portal.poll_interval);
        PollerHooks hooks;
        hooks.polled = [this](TimePoint t) {
            metrics.add("reglament_polls_total");
            try {  // for `reglamentd status`
                store->put_kv("poller:last_success", format_iso8601(t));
            } catch (const std::exception& e) {
                spdlog::warn("poller: cannot record the poll time: {}", e.what());
            }
        };
        hooks.failed = [this](std::string_view kind, const std::string& error) {
            spdlog::warn("poller: cannot list {}: {}", kind, error);
            metrics.add("reglament_poll_failures_total", {{"kind", std::string(kind)}});
        };
        hooks.items = [this](std::string_view, std::size_t, std::size_t appended) {
            if (appended > 0 && engine) engine->wake();
        };
        poller = std::make_unique<Poller>(io, *store, *bitrix, clock, po, std::move(hooks));

        auto rules = make_rule_set(config);
        calendar = rules->calendar;
        portal_presence = std::make_unique<PortalPresence>(config.people.use_timeman);
        set_shifts(config.people);
        world =
            std::make_unique<StoreWorld>(*store, [this](const std::string& user_id, TimePoint at) {
                return (*current_shifts())(user_id, at) && portal_presence->allows(user_id, at);
            });
        EngineOptions eo;
        eo.dry_run = dry_run;
        eo.keep_done_events = config.store.keep_done_events;
        eo.keep_journal = config.store.keep_journal;
        eo.keep_closed_snapshots = config.store.keep_closed;
        eo.keep_marks = config.store.keep_marks;
        EngineHooks eh;
        eh.portal_auth = &portal_auth;
        eh.committed = [this] { outbox->wake(); };
        // Sends on a channel Wazzup reports inactive are refused without a request: keep the
        // client's view of the channels current (GET /v3/channels at start and on each update).
        eh.channels_changed = [this] { refresh_channels(); };
        eh.pruned = [this](std::string_view table, std::int64_t rows) {
            metrics.add("reglament_store_pruned_total", {{"table", std::string(table)}},
                        static_cast<double>(rows));
        };
        eh.counted = [this](const StepCounts& c) {
            metrics.add("reglament_engine_events_total", {}, static_cast<double>(c.events));
            for (const auto& [rule, n] : c.actions_by_rule)
                metrics.add("reglament_rule_actions_total", {{"rule", rule}},
                            static_cast<double>(n));
            if (c.dry_run)
                metrics.add("reglament_dry_run_actions_total", {}, static_cast<double>(c.dry_run));
            if (c.rule_errors)
                metrics.add("reglament_rule_errors_total", {}, static_cast<double>(c.rule_errors));
            for (const auto& [reason, n] : c.sends_refused)
                metrics.add("reglament_wazzup_send_refused_total", {{"reason", reason}},
                            static_cast<double>(n));
        };
        engine = std::make_unique<Engine>(io, *store, *bitrix, clock, *world, std::move(rules), eo,
                                          std::move(eh));

        PresenceRefresherOptions pro = presence_options(config.people);
        PresenceRefresherHooks prh;
        prh.refreshed = [this](std::size_t failed_calls, bool changed) {
            if (changed && engine) engine->sweep_soon();
            if (failed_calls > 0)
                metrics.add("reglament_presence_failures_total", {},
                            static_cast<double>(failed_calls));
            metrics.add("reglament_presence_refreshes_total");
        };
        presence_refresher = std::make_unique<PresenceRefresher>(
            io, *bitrix, clock, *portal_presence, std::move(pro), std::move(prh));

        store::InboxWriter::Options wo;
        wo.after_batch = [this] { engine->wake(); };
        wo.deliver = std::move(answer_on);
        writer = std::make_unique<store::InboxWriter>(*store, wo);
        intake = std::make_unique<Intake>(
            *writer, clock, intake_settings(config),
            [this](std::string_view source, std::string_view outcome) {
                metrics.add("reglament_webhooks_total",
                            {{"source", std::string(source)}, {"outcome", std::string(outcome)}});
            });
    }

    void refresh_channels() {
        if (!wazzup) return;
        wazzup->refresh_channels([this](wazzup::Expected<std::vector<wazzup::Channel>> r) {
            if (!r) return spdlog::warn("wazzup: cannot list channels: {}", r.error());
            // check-config only knows what the config declares; the account says what each
            // channel is. A misfit is refused per send (and the manager told), and said here.
            auto check = [&](const std::string& id, wazzup::ChannelUse use) {
                if (id.empty()) return;
                if (auto ok = wazzup::check_channel_transport(*r, id, use); !ok)
                    spdlog::error("wazzup: {}", ok.error());
            };
            check(wazzup_channel_id, wazzup::ChannelUse::whatsapp_text);
            check(wazzup_waba_channel_id, wazzup::ChannelUse::waba_templates);
            // The channel is back: the next refused send starts a new outage the head hears of.
            for (const auto& channel : *r)
                if (channel.channel_id == wazzup_channel_id && channel.sendable())
                    clear_channel_down();
        });
    }

    void clear_channel_down() {
        try {
            const std::string flag(channel_down_kv);
            if (auto set = store->get_kv(flag); set && *set != "0") {
                store->put_kv(flag, "0");
                spdlog::info("wazzup: channel {} is active again", wazzup_channel_id);
            }
        } catch (const std::exception& e) {
            spdlog::warn("wazzup: cannot clear the channel-down flag: {}", e.what());
        }
    }

    void set_shifts(const config::People& people) {
        auto fresh = std::make_shared<const Presence>(make_presence(people, calendar));
        std::lock_guard lock(shifts_mutex);
        shifts = std::move(fresh);
    }

    std::shared_ptr<const Presence> current_shifts() const {
        std::lock_guard lock(shifts_mutex);
        return shifts;
    }

    void declare_metrics() {
        metrics.declare_counter("reglament_webhooks_total",
                                "Webhook requests by source and outcome.");
        metrics.declare_counter("reglament_engine_events_total", "Inbox events decided.");
        metrics.declare_counter("reglament_rule_actions_total",
                                "Actions the rules queued for the portal, by rule.");
        metrics.declare_counter("reglament_dry_run_actions_total",
                                "Actions journaled instead of executed (dry-run).");
        metrics.declare_counter("reglament_rule_errors_total", "Rule decisions that threw.");
        metrics.declare_counter("reglament_store_pruned_total",
                                "Rows deleted by retention ([store] keep_*_days), by table.");
        for (const char* table : {"inbox", "journal", "snapshots", "marks"})
            metrics.add("reglament_store_pruned_total", {{"table", table}}, 0);
        metrics.declare_counter("reglament_actions_total",
                                "Outbox attempts by rule, kind and outcome.");
        metrics.declare_counter("reglament_wazzup_send_refused_total",
                                "Messages to clients that did not go (or may not have), by "
                                "reason; each one's manager was told.");
        for (const char* reason :
             {"no_whatsapp", "channel_down", "template_rejected", "outside_24h_window",
              "wrong_channel", "outcome_unknown", "refused"})
            metrics.add("reglament_wazzup_send_refused_total", {{"reason", reason}}, 0);
        metrics.declare_counter("reglament_poll_failures_total", "Poller listings that failed.");
        metrics.declare_counter("reglament_polls_total",
                                "Polls in which every kind of entity was listed.");
        metrics.declare_counter("reglament_presence_refreshes_total",
                                "Reads of the portal's active users and absences, completed.");
        metrics.declare_counter("reglament_presence_failures_total",
                                "Calls of those reads that failed (the previous answer is kept).");
        // The Bitrix24 client's rate limiter: requests that may go now, and the most it holds.
        auto budget = [this](double bitrix::Client::RateBudget::*field) {
            return [this, field] {
                std::vector<std::pair<Labels, double>> out;
                if (bitrix) out.push_back({{}, bitrix->rate_budget().*field});
                return out;
            };
        };
        metrics.gauge_callback("reglament_rest_budget_remaining",
                               "Bitrix24 REST requests the rate limiter lets go now.",
                               budget(&bitrix::Client::RateBudget::remaining));
        metrics.gauge_callback("reglament_rest_budget_capacity",
                               "Bitrix24 REST requests the rate limiter holds when rested.",
                               budget(&bitrix::Client::RateBudget::capacity));
        metrics.gauge_callback(
            "reglament_queue_depth", "Rows waiting in the store, by queue.", [this] {
                std::vector<std::pair<Labels, double>> out;
                if (!store) return out;
                try {
                    auto m = store->metrics(clock.now());
                    out.push_back({{{"queue", "inbox"}}, static_cast<double>(m.inbox_pending)});
                    out.push_back(
                        {{{"queue", "inbox_failed"}}, static_cast<double>(m.inbox_failed)});
                    out.push_back({{{"queue", "outbox"}}, static_cast<double>(m.outbox_open)});
                    out.push_back(
                        {{{"queue", "outbox_failed"}}, static_cast<double>(m.outbox_failed)});
                    out.push_back({{{"queue", "timers"}}, static_cast<double>(m.timers)});
                    out.push_back({{{"queue", "timers_due"}}, static_cast<double>(m.timers_due)});
                } catch (const std::exception& e) {
                    spdlog::warn("metrics: cannot read the store: {}", e.what());
                }
                return out;
            });
        // Worth an alert: a parked row waits for the admin (`reglamentd requeue` once fixed).
        metrics.gauge_callback(
            "reglament_parked",
            "Events and actions parked after failing for good, by kind (reglamentd status "
            "shows why; reglamentd requeue retries them).",
            [this] {
                std::vector<std::pair<Labels, double>> out;
                if (!store) return out;
                try {
                    auto m = store->metrics(clock.now());
                    out.push_back({{{"kind", "event"}}, static_cast<double>(m.inbox_failed)});
                    out.push_back({{{"kind", "action"}}, static_cast<double>(m.outbox_failed)});
                } catch (const std::exception& e) {
                    spdlog::warn("metrics: cannot read the store: {}", e.what());
                }
                return out;
            });
        metrics.gauge_callback(
            "reglament_portal_auth_rejected",
            "1 while Bitrix24 rejects the daemon's credentials (HTTP 401: the webhook code was "
            "rotated); events and actions wait for a reload with the new secret.",
            [this] {
                return std::vector<std::pair<Labels, double>>{
                    {{}, portal_auth.is_rejected() ? 1.0 : 0.0}};
            });
        // Worth an alert: work that waits (oldest open row) and timers firing late.
        metrics.gauge_callback(
            "reglament_queue_oldest_age_seconds",
            "Age of the oldest row still waiting, by queue (0 when empty).", [this] {
                std::vector<std::pair<Labels, double>> out;
                if (!store) return out;
                auto seconds = [](std::optional<std::chrono::milliseconds> age) {
                    return age ? static_cast<double>(age->count()) / 1000.0 : 0.0;
                };
                try {
                    auto m = store->metrics(clock.now());
                    out.push_back({{{"queue", "inbox"}}, seconds(m.inbox_oldest_pending_age)});
                    out.push_back({{{"queue", "outbox"}}, seconds(m.outbox_oldest_open_age)});
                } catch (const std::exception& e) {
                    spdlog::warn("metrics: cannot read the store: {}", e.what());
                }
                return out;
            });
        metrics.gauge_callback(
            "reglament_timer_lag_seconds",
            "How long the earliest timer is overdue (0 when none is due).", [this] {
                std::vector<std::pair<Labels, double>> out;
                if (!store) return out;
                try {
                    auto m = store->metrics(clock.now());
                    double lag = 0;
                    if (m.earliest_timer && *m.earliest_timer < clock.now())
                        lag =
                            std::chrono::duration<double>(clock.now() - *m.earliest_timer).count();
                    out.push_back({{}, lag});
                } catch (const std::exception& e) {
                    spdlog::warn("metrics: cannot read the store: {}", e.what());
                }
                return out;
            });
        metrics.counter_callback(
            "reglament_rest_requests_total",
            "Bitrix24 REST traffic by what: HTTP requests, commands carried, batches, "
            "QUERY_LIMIT_EXCEEDED/503 answers, retries, token refreshes, redirects.",
            [this] {
                std::vector<std::pair<Labels, double>> out;
                if (!bitrix) return out;
                auto s = bitrix->stats();
                auto put = [&](const char* what, std::size_t n) {
                    out.push_back({{{"what", what}}, static_cast<double>(n)});
                };
                put("http_requests", s.http_requests);
                put("commands", s.commands);
                put("batches", s.batches);
                put("limit_errors", s.limit_errors);
                put("retries", s.retries);
                put("refreshes", s.refreshes);
                put("redirects", s.redirects);
                return out;
            });
    }
};

Spine::Spine(boost::asio::io_context& io, const config::Config& config, const Clock& clock,
             bool dry_run, Metrics& metrics, std::function<void(std::function<void()>)> answer_on)
    : impl_(std::make_unique<Impl>(io, config, clock, dry_run, metrics, std::move(answer_on))) {}

Spine::~Spine() {
    stop();
    // The writer's thread calls into the engine: it goes first.
    impl_->writer.reset();
}

void Spine::start() {
    auto interrupted = impl_->outbox->start();
    if (interrupted > 0)
        spdlog::warn("outbox: {} action(s) were interrupted by a stop; they are looked up first",
                     interrupted);
    impl_->refresh_channels();
    impl_->engine->start();
    impl_->presence_refresher->start();
    impl_->poller->start();
}

void Spine::stop() {
    if (impl_->writer) impl_->writer->stop();
    impl_->poller->stop();
    impl_->presence_refresher->stop();
    impl_->engine->stop();
    impl_->outbox->stop();
    // Queued calls hold their client alive through their callbacks: failing them now, while
    // everything they call back into still exists, is what lets the clients be freed.
    impl_->bitrix->shutdown();
    impl_->http->shutdown();
}

bool Spine::handle_hook(net::Request& request, net::Reply& reply) {
    return impl_->intake->handle(request, reply);
}

void Spine::reload(const config::Config& config) {
    // A rotated webhook code: calls go out with the new one (first: a URL the client refuses
    // refuses the whole reload).
    if (config.portal.webhook_url)
        impl_->bitrix->set_webhook_url(config.portal.webhook_url->reveal());
    auto rules = make_rule_set(config);
    impl_->calendar = rules->calendar;
    impl_->set_shifts(config.people);
    impl_->portal_presence->set_use_timeman(config.people.use_timeman);
    impl_->presence_refresher->update(presence_options(config.people));
    impl_->engine->set_rules(std::move(rules));
    impl_->intake->update(intake_settings(config));
    // Whatever waited for the credentials (a 401) is tried at once.
    impl_->engine->resume();
    impl_->outbox->resume();
    // Who is present may have changed: L1 hands on the leads of whoever left the staff.
    impl_->engine->sweep_soon();
}

std::vector<std::string> Spine::problems() const {
    std::vector<std::string> out;
    if (auto why = impl_->writer->failing(); !why.empty())
        out.push_back("webhooks cannot be committed to the state (answered 503): " + why);
    auto idle = std::chrono::steady_clock::now() - impl_->engine->last_progress();
    if (idle >= impl_->engine_stall)
        out.push_back(
            "the engine has finished no step for " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(idle).count()) +
            " s ([server] engine_stall_seconds = " + std::to_string(impl_->engine_stall.count()) +
            ")");
    return out;
}

bool Spine::engine_progressing() const {
    return std::chrono::steady_clock::now() - impl_->engine->last_progress() < impl_->engine_stall;
}

void Spine::wake() {
    impl_->presence_refresher->wake();
    impl_->engine->wake();
}

}  // namespace reglament::daemon
