#include "bitrix/client.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/redact.hpp"
#include "net/form.hpp"
#include "net/http_message.hpp"

namespace reglament::bitrix {

namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock::time_point;

// Named, not anonymous: Client::Impl, which has external linkage, holds these types.
namespace client_detail {

struct Item {
    std::string method;
    json params;
    Idempotency idempotency = Idempotency::automatic;
    bool alone = false;        // never packed into a batch (the pager's own batches)
    std::string inner_method;  // for alone batches: the method its commands call
    std::function<void(Result)> done;
    int attempts = 0;  // failures so far
    Steady not_before{};
};
using ItemPtr = std::shared_ptr<Item>;

std::string with_slash(std::string url) {
    if (!url.empty() && url.back() != '/') url.push_back('/');
    return url;
}

void require_secure(const std::string& url) {
    auto u = net::Url::parse(url);
    bool loopback = u.host == "127.0.0.1" || u.host == "localhost" || u.host == "::1";
    if (u.scheme != "https" && !loopback)
        throw std::invalid_argument(
            "Bitrix24 requires HTTPS; plain HTTP is allowed only for "
            "loopback: " +
            redact_url(url));
}

// nlohmann throws on invalid UTF-8 when serialising: stored hostile input (an event's id) must
// fail its own call, not abort the daemon from inside a timer.
std::optional<Error> unsendable(const json& params) {
    try {
        (void)params.dump();
        return std::nullopt;
    } catch (const json::exception& e) {
        return Error{std::string(codes::invalid_params),
                     std::string("the call's parameters cannot be sent as JSON: ") + e.what(), 0};
    }
}

Error transport_error(const net::TransportError& t) {
    Error e;
    e.code = !t.sent ? codes::connect_failed : t.timeout ? codes::timeout : codes::transport;
    e.description = redact_text(t.message);
    return e;
}

}  // namespace client_detail

using namespace client_detail;

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
    asio::io_context& io;
    ClientOptions options;
    const Clock& clock;
    net::AsyncHttpClient http;
    RateLimiter limiter;
    OperatingBudget budget;
    CommandKeys keys;
    asio::steady_timer timer;
    std::optional<Steady> timer_at;

    std::deque<ItemPtr> queue;
    std::size_t in_flight = 0;
    bool oauth = false;
    std::string base;  // ".../rest/1/<code>/" or ".../rest/"
    std::string access_token;
    std::string refresh_token;
    std::uint64_t token_generation = 0;
    bool refreshing = false;
    std::optional<Error> fatal;
    std::set<std::string> announced_moves;
    bool stopped = false;

    mutable std::mutex stats_mutex;  // guards stats, base_shown and limiter_shown, read from
                                     // other threads
    ClientStats stats;
    std::string base_shown;
    RateLimiter limiter_shown;  // a copy of `limiter` as of its last change

    Impl(asio::io_context& io_, ClientOptions o, const Clock& c)
        : io(io_),
          options(std::move(o)),
          clock(c),
          http(io_, options.http),
          limiter(options.bucket),
          budget(options.operating),
          timer(io_),
          limiter_shown(options.bucket) {
        if (!options.steady_now)
            options.steady_now = [] { return std::chrono::steady_clock::now(); };
        if (!options.webhook_url.empty()) {
            base = with_slash(options.webhook_url);
        } else if (!options.client_endpoint.empty() && !options.refresh_token.empty()) {
            oauth = true;
            base = with_slash(options.client_endpoint);
            access_token = options.access_token;
            refresh_token = options.refresh_token;
            require_secure(options.oauth_token_url);
        } else {
            throw std::invalid_argument(
                "Bitrix24 client needs a webhook URL or an OAuth client endpoint and refresh "
                "token");
        }
        require_secure(base);
        base_shown = base;
    }

    Steady steady_now() const { return options.steady_now(); }

    template <class F>
    void bump(F f) {
        std::lock_guard lock(stats_mutex);
        f(stats);
    }

    void publish_limiter() {
        std::lock_guard lock(stats_mutex);
        limiter_shown = limiter;
    }

    void enqueue(ItemPtr item) {
        if (auto problem = unsendable(item->params)) {
            // Alone, before it can share a batch: one bad call must not fail its neighbours.
            Result r;
            r.error = std::move(problem);
            item->done(std::move(r));
            return;
        }
        if (stopped || fatal) {
            Result r;
            r.error =
                fatal ? *fatal : Error{"CLIENT_STOPPED", "the Bitrix24 client is shut down", 0};
            item->done(std::move(r));
            return;
        }
        queue.push_back(std::move(item));
        // Calls arriving within the window share one request.
        schedule(steady_now() + options.coalesce_window);
    }

    void schedule(Steady at) {
        if (timer_at && *timer_at <= at) return;
        timer_at = at;
        timer.expires_at(at);
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return;
            self->timer_at.reset();
            self->pump();
        });
    }

    void pump() {
        if (stopped || refreshing) return;
        while (!queue.empty() && in_flight < options.max_in_flight) {
            Steady now = steady_now();
            auto wait = limiter.delay_for_next(now);
            if (wait > Steady::duration::zero()) {
                schedule(now + wait);
                return;
            }
            std::vector<ItemPtr> pick;
            std::optional<Steady> earliest;
            std::size_t batch_limit =
                std::clamp<std::size_t>(options.batch_limit, 1, max_batch_commands);
            bool batch_blocked = budget.wait_for("batch", now) > std::chrono::milliseconds::zero();
            for (auto it = queue.begin(); it != queue.end() && pick.size() < batch_limit;) {
                Item& item = **it;
                Steady ready = std::max(item.not_before, now + budget.wait_for(item.method, now));
                if (item.alone && item.method == "batch")
                    ready = std::max(ready, now + budget.wait_for(item.inner_method, now));
                if (ready > now) {
                    earliest = earliest ? std::min(*earliest, ready) : ready;
                    ++it;
                    continue;
                }
                bool single = item.alone || !batchable(item.method);
                if (single || batch_blocked) {
                    if (pick.empty()) {
                        pick.push_back(*it);
                        it = queue.erase(it);
                        break;
                    }
                    if (batch_blocked) break;
                    ++it;  // goes alone later; keep filling this batch
                    continue;
                }
                pick.push_back(*it);
                it = queue.erase(it);
            }
            if (pick.empty()) {
                if (earliest) schedule(*earliest);
                return;
            }
            limiter.on_sent(now);
            publish_limiter();
            send(std::move(pick));
        }
    }

    void send(std::vector<ItemPtr> pick) {
        ++in_flight;
        std::string method;
        json params;
        std::vector<std::string> command_keys;
        if (pick.size() == 1) {
            method = pick[0]->method;
            params = pick[0]->params;
        } else {
            std::vector<Command> commands;
            for (auto& item : pick) {
                commands.push_back({keys.next(), item->method, item->params});
                command_keys.push_back(commands.back().key);
            }
            method = "batch";
            params = batch_params(commands, /*halt=*/false);
        }
        bump([&](ClientStats& s) {
            ++s.http_requests;
            s.commands += pick.size();
            if (pick.size() > 1) ++s.batches;
        });
        post(method, std::move(params), 0,
             [self = shared_from_this(), pick = std::move(pick), command_keys, method](
                 Envelope env, std::uint64_t generation) mutable {
                 --self->in_flight;
                 self->handle(pick, command_keys, method, std::move(env), generation);
                 self->pump();
             });
    }

    void post(std::string method, json params, std::size_t redirects,
              std::function<void(Envelope, std::uint64_t)> done) {
        std::uint64_t generation = token_generation;
        net::ClientRequest req;
        req.method = "POST";
        req.url = base + method;
        json body = params;
        if (oauth) body["auth"] = access_token;
        if (auto problem = unsendable(body)) {  // checked per call already; never a crash
            Envelope env;
            env.error = std::move(problem);
            done(std::move(env), generation);
            return;
        }
        req.body = body.dump();
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("Accept", "application/json");
        http.request(std::move(req), [self = shared_from_this(), method = std::move(method),
                                      params = std::move(params), redirects, generation,
                                      done = std::move(done)](net::ClientResult r) mutable {
            if (!r.ok()) {
                Envelope env;
                env.error = transport_error(*r.error);
                done(std::move(env), generation);
                return;
            }
            const auto& response = *r.response;
            auto location = response.header("Location");
            bool redirect = response.status == 301 || response.status == 302 ||
                            response.status == 307 || response.status == 308;
            if (redirect && !location.empty() && redirects < self->options.max_redirects &&
                self->follow_move(std::string(location))) {
                // A renamed portal: re-POST the same call to the new host (D change-domen.md).
                self->post(std::move(method), std::move(params), redirects + 1, std::move(done));
                return;
            }
            done(parse_envelope(response.status, response.body), generation);
        });
    }

    // Moves `base` to the origin of `location`; false when the location is unusable.
    bool follow_move(const std::string& location) {
        try {
            auto target = net::Url::parse(location);
            auto current = net::Url::parse(base);
            if (target.origin() == current.origin()) return false;
            require_secure(target.origin() + "/");
            std::string moved = target.origin() + current.target;
            bump([](ClientStats& s) { ++s.redirects; });
            if (announced_moves.insert(target.origin()).second) {
                spdlog::warn("bitrix: portal moved from {} to {}; re-sending calls there",
                             redact_url(base), redact_url(moved));
                if (options.on_portal_moved) options.on_portal_moved(moved);
            }
            base = std::move(moved);
            bump([&](ClientStats&) { base_shown = base; });
            return true;
        } catch (const std::exception& e) {
            spdlog::error("bitrix: unusable redirect location {}: {}", redact_url(location),
                          redact_text(e.what()));
            return false;
        }
    }

    void record_batch_times(const BatchEnvelope& batch,
                            const std::function<std::string(const std::string&)>& method_of,
                            TimePoint wall) {
        for (const auto& [key, time] : batch.times)
            budget.record(method_of(key), time.operating, time.operating_reset_at, wall,
                          steady_now());
        for (const auto& [key, error] : batch.errors)
            if (error.is(codes::operation_time_limit))
                budget.on_blocked(method_of(key), steady_now());
    }

    void handle(std::vector<ItemPtr>& pick, const std::vector<std::string>& command_keys,
                const std::string& method, Envelope env, std::uint64_t generation) {
        TimePoint wall = clock.now();
        // The outer call's `operating` counts for `batch` and for single methods alike (§2).
        budget.record(method, env.time.operating, env.time.operating_reset_at, wall, steady_now());
        if (!env.ok()) {
            const Error& e = *env.error;
            if (e.is(codes::query_limit)) {
                limiter.on_limit_exceeded(steady_now());
                publish_limiter();
                bump([](ClientStats& s) { ++s.limit_errors; });
                spdlog::warn("bitrix: QUERY_LIMIT_EXCEEDED on {}; slowing down to {:.2f}/s", method,
                             limiter.drain_per_second());
            }
            if (e.is(codes::operation_time_limit)) budget.on_blocked(method, steady_now());
            std::vector<ItemPtr> again;
            for (auto& item : pick)
                retry_or_finish(item, e, generation, again);
            requeue(std::move(again));
            return;
        }
        if (command_keys.empty()) {
            auto& item = pick.front();
            if (item->alone && method == "batch") {
                std::string inner = item->inner_method;
                record_batch_times(
                    parse_batch(env.result), [&](const std::string&) { return inner; }, wall);
            }
            finish(item, std::move(env));
            return;
        }
        auto batch = parse_batch(env.result);
        std::map<std::string, std::string> method_by_key;
        for (std::size_t i = 0; i < pick.size(); ++i)
            method_by_key[command_keys[i]] = pick[i]->method;
        record_batch_times(
            batch, [&](const std::string& key) { return method_by_key[key]; }, wall);
        auto outcomes = route_batch(batch, command_keys);
        std::vector<ItemPtr> again;
        for (std::size_t i = 0; i < pick.size(); ++i) {
            if (outcomes[i].ok()) {
                finish(pick[i], std::move(outcomes[i]));
            } else {
                // Only this command is retried; the others' effects stand (§3).
                retry_or_finish(pick[i], *outcomes[i].error, generation, again);
            }
        }
        requeue(std::move(again));
    }

    void retry_or_finish(ItemPtr& item, const Error& e, std::uint64_t generation,
                         std::vector<ItemPtr>& again) {
        ++item->attempts;
        auto idempotency = effective_idempotency(item->method, item->idempotency);
        auto decision = classify(e, idempotency, item->attempts, options.retry);
        switch (decision.action) {
            case RetryAction::retry:
                item->not_before = steady_now() + decision.wait;
                bump([](ClientStats& s) { ++s.retries; });
                again.push_back(item);
                return;
            case RetryAction::refresh_token:
                if (oauth && item->attempts <= 3) {
                    again.push_back(item);
                    request_refresh(generation);
                    return;
                }
                break;
            case RetryAction::outcome_unknown: {
                Result r;
                r.error = Error{std::string(codes::outcome_unknown),
                                item->method + " may or may not have been executed (" +
                                    e.to_string() + "); check before repeating it",
                                e.http_status};
                spdlog::warn("bitrix: {}", r.error->to_string());
                finish(item, std::move(r));
                return;
            }
            case RetryAction::reauthorise:
                fail_fatal(e);
                break;
            case RetryAction::fail:
                break;
        }
        Result r;
        r.error = fatal ? *fatal : e;
        finish(item, std::move(r));
    }

    void requeue(std::vector<ItemPtr> again) {
        // Retried calls go first, in their original order.
        for (auto it = again.rbegin(); it != again.rend(); ++it)
            queue.push_front(*it);
        if (!again.empty()) schedule(steady_now());
    }

    void finish(const ItemPtr& item, Result r) {
        auto done = std::move(item->done);
        if (done) done(std::move(r));
    }

    void fail_fatal(const Error& cause) {
        fatal = Error{std::string(codes::reauthorise),
                      "the OAuth refresh token was rejected (" + cause.to_string() +
                          "); re-authorise the application in Bitrix24",
                      cause.http_status};
        spdlog::critical("bitrix: {}", fatal->to_string());
        fail_all(*fatal);
    }

    void fail_all(const Error& e) {
        auto pending = std::move(queue);
        queue.clear();
        for (auto& item : pending) {
            Result r;
            r.error = e;
            finish(item, std::move(r));
        }
    }

    // One refresh however many 401s arrive: later ones see `refreshing` or a newer generation.
    void request_refresh(std::uint64_t generation_used) {
        if (!oauth || refreshing || fatal || generation_used != token_generation) return;
        refreshing = true;
        bump([](ClientStats& s) { ++s.refreshes; });
        do_refresh(1);
    }

    void do_refresh(int attempt) {
        json query = {{"grant_type", "refresh_token"},
                      {"client_id", options.client_id},
                      {"client_secret", options.client_secret},
                      {"refresh_token", refresh_token}};
        net::ClientRequest req;
        req.method = "GET";
        req.url = options.oauth_token_url + "?" + net::encode_form(query);
        spdlog::info("bitrix: refreshing the OAuth access token via {}", redact_url(req.url));
        http.request(std::move(req), [self = shared_from_this(), attempt](net::ClientResult r) {
            self->on_refreshed(std::move(r), attempt);
        });
    }

    void on_refreshed(net::ClientResult r, int attempt) {
        std::optional<Error> error;
        OAuthTokens tokens;
        if (!r.ok()) {
            error = transport_error(*r.error);
        } else {
            json doc = json::parse(r.response->body, nullptr, false);
            if (auto e = error_from(doc, r.response->status)) {
                error = e;
            } else if (!doc.is_object() || !doc.contains("access_token") ||
                       !doc.contains("refresh_token") || !doc["access_token"].is_string() ||
                       !doc["refresh_token"].is_string()) {
                error =
                    parse_envelope(r.response->status, r.response->body)
                        .error.value_or(Error{std::string(codes::unexpected_body),
                                              "refresh answer without tokens", r.response->status});
            } else {
                tokens.access_token = doc["access_token"];
                tokens.refresh_token = doc["refresh_token"];
                if (doc.contains("client_endpoint") && doc["client_endpoint"].is_string())
                    tokens.client_endpoint = doc["client_endpoint"];
            }
        }
        if (error) {
            if (error->is("invalid_grant") || error->is("invalid_client")) {
                refreshing = false;
                fail_fatal(*error);
                return;
            }
            if (attempt < options.retry.max_transient_retries) {
                auto wait = backoff(attempt, options.retry);
                spdlog::warn("bitrix: token refresh failed ({}); retrying in {} ms",
                             error->to_string(), wait.count());
                auto t = std::make_shared<asio::steady_timer>(io, wait);
                t->async_wait(
                    [self = shared_from_this(), t, attempt](const boost::system::error_code& ec) {
                        if (!ec) self->do_refresh(attempt + 1);
                    });
                return;
            }
            refreshing = false;
            spdlog::error("bitrix: token refresh failed: {}", error->to_string());
            fail_all(*error);
            return;
        }
        // The old refresh token is spent: the new one must be stored before anything uses it.
        try {
            if (options.persist_tokens) options.persist_tokens(tokens);
        } catch (const std::exception& e) {
            refreshing = false;
            Error fail{"TOKEN_PERSIST_FAILED",
                       std::string("could not store the rotated OAuth tokens: ") + e.what(), 0};
            spdlog::critical("bitrix: {}", fail.to_string());
            fatal = fail;
            fail_all(fail);
            return;
        }
        access_token = tokens.access_token;
        refresh_token = tokens.refresh_token;
        ++token_generation;
        refreshing = false;
        spdlog::info("bitrix: OAuth access token refreshed");
        pump();
    }

    void list_all(std::shared_ptr<ListPager> pager, PageSink on_page,
                  std::function<void(std::optional<Error>)> done, Steady not_before) {
        auto call = pager->next_call();
        auto item = std::make_shared<Item>();
        item->method = call.method;
        item->params = std::move(call.params);
        item->idempotency = Idempotency::read;
        item->alone = true;
        item->inner_method = call.keys.empty() ? std::string{} : pager->request_method();
        item->not_before = not_before;
        item->done = [self = shared_from_this(), pager, on_page, done](Result r) {
            auto step = pager->on_result(r, on_page);
            if (step.fatal) {
                done(step.fatal);
            } else if (pager->done()) {
                done(std::nullopt);
            } else {
                self->list_all(pager, on_page, done, self->steady_now() + step.wait);
            }
        };
        enqueue(std::move(item));
    }

    void set_webhook_url(const std::string& url) {
        if (oauth) return;
        std::string fresh = with_slash(url);
        if (fresh == base) return;
        base = std::move(fresh);
        bump([&](ClientStats&) { base_shown = base; });
        spdlog::info("bitrix: webhook URL replaced from the reloaded config ({})",
                     redact_url(base));
        pump();
    }

    void shutdown() {
        stopped = true;
        timer.cancel();
        fail_all(Error{"CLIENT_STOPPED", "the Bitrix24 client is shut down", 0});
        http.shutdown();
    }
};

Client::Client(asio::io_context& io, ClientOptions options, const Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(options), clock)) {}

Client::~Client() {
    auto impl = impl_;
    asio::post(impl->io, [impl] { impl->shutdown(); });
}

void Client::call(std::string method, json params, Idempotency idempotency,
                  std::function<void(Result)> done) {
    auto item = std::make_shared<Item>();
    item->method = std::move(method);
    item->params = params.is_null() ? json::object() : std::move(params);
    item->idempotency = idempotency;
    item->done = std::move(done);
    asio::post(impl_->io, [impl = impl_, item] { impl->enqueue(item); });
}

std::future<Result> Client::call(std::string method, json params, Idempotency idempotency) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    call(std::move(method), std::move(params), idempotency,
         [promise](Result r) { promise->set_value(std::move(r)); });
    return future;
}

void Client::list_all(ListRequest request, PageSink on_page,
                      std::function<void(std::optional<Error>)> done) {
    auto pager =
        std::make_shared<ListPager>(std::move(request), max_batch_commands, impl_->options.retry);
    asio::post(impl_->io,
               [impl = impl_, pager, on_page = std::move(on_page), done = std::move(done)] {
                   impl->list_all(pager, on_page, done, impl->steady_now());
               });
}

ClientStats Client::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

Client::RateBudget Client::rate_budget() const {
    auto now = impl_->steady_now();
    std::lock_guard lock(impl_->stats_mutex);
    return {impl_->limiter_shown.remaining(now), impl_->limiter_shown.capacity()};
}

std::string Client::base_url_redacted() const {
    std::lock_guard lock(impl_->stats_mutex);
    return redact_url(impl_->base_shown);
}

void Client::set_webhook_url(std::string url) {
    require_secure(url);
    asio::post(impl_->io, [impl = impl_, url = std::move(url)] { impl->set_webhook_url(url); });
}

void Client::shutdown() {
    asio::post(impl_->io, [impl = impl_] { impl->shutdown(); });
}

}  // namespace reglament::bitrix
