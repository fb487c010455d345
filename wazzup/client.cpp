#include "wazzup/client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <list>

#include "net/http_client.hpp"
#include "wazzup/request_limiter.hpp"
#include "wazzup/waba_window.hpp"

namespace reglament::wazzup {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kTemplatePage = 100;  // the documented default limit (§5)
constexpr std::size_t kMaxTemplatePages = 50;

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string transport_failure_text(const net::ClientResult& result) {
    return result.error ? result.error->message : std::string("no response");
}

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    net::AsyncHttpClient& http;
    const Clock& clock;
    ClientConfig config;
    RequestLimiter limiter;
    ChannelRegistry registry;
    InboundWindows windows;
    std::list<std::weak_ptr<asio::steady_timer>> timers;
    bool stopped = false;

    Impl(asio::io_context& io_, net::AsyncHttpClient& http_, const Clock& clock_, ClientConfig c)
        : io(io_),
          http(http_),
          clock(clock_),
          config(std::move(c)),
          limiter(config.request_limit, config.limit_window) {}

    net::ClientRequest request(std::string method, const std::string& path, std::string body = {}) {
        net::ClientRequest req;
        req.method = std::move(method);
        req.url = config.base_url + path;
        req.headers.emplace_back("Authorization", "Bearer " + config.api_key);
        req.headers.emplace_back("Accept", "application/json");
        if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
        req.body = std::move(body);
        return req;
    }

    std::shared_ptr<asio::steady_timer> make_timer() {
        auto timer = std::make_shared<asio::steady_timer>(io);
        timers.remove_if([](const auto& weak) { return weak.expired(); });
        timers.push_back(timer);
        return timer;
    }

    // Runs `fn(true)` once `at` has come, or `fn(false)` if the client stopped meanwhile.
    void wait_until(Steady::time_point at, std::function<void(bool)> fn) {
        if (at <= Steady::now()) {
            asio::post(io, [self = shared_from_this(), fn = std::move(fn)] { fn(!self->stopped); });
            return;
        }
        auto timer = make_timer();
        timer->expires_at(at);
        timer->async_wait([self = shared_from_this(), timer, fn = std::move(fn)](
                              const boost::system::error_code& ec) { fn(!ec && !self->stopped); });
    }

    // Every request waits for a limiter slot first (§7).
    void issue(net::ClientRequest req, std::function<void(net::ClientResult)> done) {
        auto self = shared_from_this();
        wait_until(limiter.reserve(Steady::now()),
                   [self, req = std::move(req), done = std::move(done)](bool go) mutable {
                       if (!go) {
                           net::ClientResult stopped;
                           stopped.error = net::TransportError{"client stopped", false, false};
                           done(std::move(stopped));
                           return;
                       }
                       self->http.request(std::move(req), std::move(done));
                   });
    }

    std::optional<FinalError> refusal(const OutgoingMessage& m) const {
        auto refuse = [](std::string code, std::string description) {
            return FinalError{0, std::move(code), std::move(description), false, {}};
        };
        if (m.content.skip || (m.content.text.empty() && !m.content.is_template())) {
            return refuse("NOTHING_TO_SEND", "the message has neither text nor template");
        }
        if (!all_digits(m.chat_id)) {
            return refuse("INVALID_CHAT_ID", "a WhatsApp chatId must be digits only");
        }
        if (m.idempotency_key.empty()) {
            // Without crmMessageId a retry could send twice (§2.3).
            return refuse("NO_IDEMPOTENCY_KEY", "a send needs an idempotency key");
        }
        const Channel* channel = registry.find(m.channel_id);
        if (channel && !channel->sendable()) {
            auto error = refuse("CHANNEL_NOT_ACTIVE", "channel " + m.channel_id + " is \"" +
                                                          channel->state + "\", not active");
            error.channel_state = channel->state;
            return error;
        }
        // A template Wazzup would refuse on this channel, or a chat type the channel does not
        // serve: refused here, so the manager hears why rather than a bare Wazzup code.
        if (channel && !channel->transport.empty() && m.content.is_template() &&
            !channel->is_waba()) {
            return refuse("TEMPLATE_NEEDS_WABA", "channel " + m.channel_id + " is \"" +
                                                     channel->transport +
                                                     "\", not WABA (wapi): a WABA template "
                                                     "cannot go through it");
        }
        if (channel && !channel->transport.empty() && !channel->is_waba() &&
            !same_error_code(channel->transport, "whatsapp")) {
            return refuse("WRONG_TRANSPORT", "channel " + m.channel_id + " is \"" +
                                                 channel->transport + "\", not WhatsApp");
        }
        if (channel && channel->is_waba() && !m.content.is_template() &&
            windows.decide(m.channel_id, m.chat_id, clock.now()) == WindowDecision::template_only) {
            return refuse("OUTSIDE_24H_WINDOW",
                          "the client has not written within 24 hours; a WABA channel may only "
                          "send an approved template");
        }
        return std::nullopt;
    }
};

struct Client::SendOperation : std::enable_shared_from_this<SendOperation> {
    std::shared_ptr<Impl> impl;
    OutgoingMessage message;
    std::string body;
    SendRetries retries;
    std::function<void(SendOutcome)> done;

    SendOperation(std::shared_ptr<Impl> i, OutgoingMessage m, std::function<void(SendOutcome)> d)
        : impl(std::move(i)),
          message(std::move(m)),
          body(build_send_body(message)),
          retries(impl->config.retry),
          done(std::move(d)) {}

    void attempt() {
        auto req = impl->request("POST", "/message", body);
        req.timeout = impl->config.attempt_timeout;
        auto self = shared_from_this();
        impl->issue(std::move(req), [self](net::ClientResult result) { self->on_result(result); });
        // The attempt counts from when it is handed to the limiter: a conservative start.
        retries.attempt_started(Steady::now());
    }

    void on_result(const net::ClientResult& result) {
        const RetryTiming& timing = impl->config.retry.timing;
        SendOutcome outcome =
            result.response
                ? classify_send_response(result.response->status, result.response->body,
                                         result.response->header("Retry-After"), timing)
                : classify_transport_failure(transport_failure_text(result),
                                             result.error && result.error->sent,
                                             result.error && result.error->timeout, timing);
        auto next = retries.after(outcome, Steady::now());
        if (auto* final_outcome = std::get_if<SendOutcome>(&next)) return finish(*final_outcome);
        if (impl->stopped) {
            auto stopped = std::get<RetryAfter>(outcome);
            stopped.reason += "; not retried: client stopped";
            return finish(stopped);
        }

        auto wait = std::get<SendRetries::Wait>(next);
        if (!std::get<RetryAfter>(outcome).may_have_been_sent && result.response &&
            result.response->status == 429) {
            impl->limiter.hold_until(Steady::now() + wait);
        }
        spdlog::warn("wazzup: send {} to chat {}: {}; attempt {} in {} ms",
                     crm_message_id(message.idempotency_key), message.chat_id, describe(outcome),
                     retries.attempts() + 1, wait.count());
        auto self = shared_from_this();
        impl->wait_until(Steady::now() + wait, [self](bool go) {
            if (!go) {
                return self->finish(
                    RetryAfter{std::chrono::milliseconds{0}, "client stopped", true});
            }
            self->attempt();
        });
    }

    void finish(const SendOutcome& outcome) {
        auto level =
            std::holds_alternative<Sent>(outcome) || std::holds_alternative<AlreadySent>(outcome)
                ? spdlog::level::info
                : spdlog::level::warn;
        spdlog::log(level, "wazzup: send {} to chat {}: {}",
                    crm_message_id(message.idempotency_key), message.chat_id, describe(outcome));
        auto callback = std::move(done);
        if (callback) callback(outcome);
    }
};

Client::Client(asio::io_context& io, net::AsyncHttpClient& http, const Clock& clock,
               ClientConfig config)
    : impl_(std::make_shared<Impl>(io, http, clock, std::move(config))) {}

Client::~Client() {
    impl_->stopped = true;
    for (auto& weak : impl_->timers) {
        if (auto timer = weak.lock()) timer->cancel();
    }
}

void Client::send(OutgoingMessage message, std::function<void(SendOutcome)> done) {
    if (auto refused = impl_->refusal(message)) {
        spdlog::warn("wazzup: send {} to chat {} refused: {}",
                     crm_message_id(message.idempotency_key), message.chat_id,
                     describe(SendOutcome{*refused}));
        asio::post(impl_->io, [done = std::move(done), outcome = *refused] { done(outcome); });
        return;
    }
    std::make_shared<SendOperation>(impl_, std::move(message), std::move(done))->attempt();
}

void Client::refresh_channels(std::function<void(Expected<std::vector<Channel>>)> done) {
    using Result = Expected<std::vector<Channel>>;
    auto impl = impl_;
    impl->issue(impl->request("GET", "/channels"), [impl, done = std::move(done)](
                                                       net::ClientResult result) {
        if (!result.response) {
            return done(Result::fail("cannot reach Wazzup: " + transport_failure_text(result)));
        }
        const auto& response = *result.response;
        if (response.status == 401) {
            return done(Result::fail("Wazzup rejected the API key (HTTP 401)"));
        }
        if (response.status < 200 || response.status >= 300) {
            return done(
                Result::fail("GET /v3/channels answered HTTP " + std::to_string(response.status)));
        }
        auto channels = parse_channels(response.body);
        if (channels) impl->registry.replace(*channels);
        done(std::move(channels));
    });
}

void Client::apply(const ChannelUpdate& update) {
    impl_->registry.apply(update);
}

void Client::apply(const WebhookMessage& message) {
    if (message.from_client() && message.date_time) {
        impl_->windows.record(message.channel_id, message.chat_id, *message.date_time);
    }
}

const ChannelRegistry& Client::channels() const {
    return impl_->registry;
}

void Client::set_webhooks(std::string uri, WebhookSubscriptions subscriptions,
                          std::function<void(Expected<Done>)> done) {
    set_webhooks_on(impl_, std::move(uri), subscriptions, std::move(done));
}

void Client::set_webhooks_on(const std::shared_ptr<Impl>& impl, std::string uri,
                             WebhookSubscriptions subscriptions,
                             std::function<void(Expected<Done>)> done) {
    auto body = build_webhooks_body(uri, subscriptions);
    if (!body) {
        asio::post(impl->io, [done = std::move(done), reason = body.error()] {
            done(Expected<Done>::fail(reason));
        });
        return;
    }
    impl->issue(impl->request("PATCH", "/webhooks", *body), [done = std::move(done)](
                                                                net::ClientResult result) {
        if (!result.response) {
            return done(
                Expected<Done>::fail("cannot reach Wazzup: " + transport_failure_text(result)));
        }
        int status = result.response->status;
        if (status >= 200 && status < 300) return done(Expected<Done>::ok({}));
        done(Expected<Done>::fail(explain_webhooks_failure(status, result.response->body)));
    });
}

void Client::setup(std::string webhook_uri, std::vector<std::string> channel_ids,
                   WebhookSubscriptions subscriptions, std::function<void(Expected<Done>)> done) {
    auto impl = impl_;
    refresh_channels([impl, uri = std::move(webhook_uri), ids = std::move(channel_ids),
                      subscriptions,
                      done = std::move(done)](Expected<std::vector<Channel>> channels) mutable {
        if (!channels) return done(Expected<Done>::fail(channels.error()));
        for (const auto& id : ids) {
            if (auto ok = check_channel(*channels, id); !ok) return done(ok);
        }
        Client::set_webhooks_on(impl, std::move(uri), subscriptions, std::move(done));
    });
}

void Client::setup(std::string webhook_uri, std::vector<std::pair<std::string, ChannelUse>> uses,
                   WebhookSubscriptions subscriptions, std::function<void(Expected<Done>)> done) {
    auto impl = impl_;
    refresh_channels([impl, uri = std::move(webhook_uri), uses = std::move(uses), subscriptions,
                      done = std::move(done)](Expected<std::vector<Channel>> channels) mutable {
        if (!channels) return done(Expected<Done>::fail(channels.error()));
        for (const auto& [id, use] : uses) {
            if (auto ok = check_channel(*channels, id); !ok) return done(ok);
            if (auto ok = check_channel_transport(*channels, id, use); !ok) return done(ok);
        }
        Client::set_webhooks_on(impl, std::move(uri), subscriptions, std::move(done));
    });
}

void Client::templates(std::function<void(Expected<std::vector<WabaTemplateInfo>>)> done) {
    using Result = Expected<std::vector<WabaTemplateInfo>>;
    struct Pager : std::enable_shared_from_this<Pager> {
        std::shared_ptr<Impl> impl;
        std::function<void(Result)> done;
        std::vector<WabaTemplateInfo> all;
        std::size_t pages = 0;

        void next() {
            std::string path = "/templates/whatsapp?limit=" + std::to_string(kTemplatePage) +
                               "&offset=" + std::to_string(pages * kTemplatePage);
            auto self = shared_from_this();
            impl->issue(impl->request("GET", path), [self](net::ClientResult result) {
                if (!result.response) {
                    return self->done(
                        Result::fail("cannot reach Wazzup: " + transport_failure_text(result)));
                }
                if (result.response->status < 200 || result.response->status >= 300) {
                    return self->done(Result::fail("GET /v3/templates/whatsapp answered HTTP " +
                                                   std::to_string(result.response->status)));
                }
                auto page = parse_templates(result.response->body);
                if (!page) return self->done(Result::fail(page.error()));
                self->all.insert(self->all.end(), page->begin(), page->end());
                ++self->pages;
                // A page shorter than the limit is the last one (§5).
                if (page->size() < kTemplatePage || self->pages >= kMaxTemplatePages) {
                    return self->done(Result::ok(std::move(self->all)));
                }
                self->next();
            });
        }
    };
    auto pager = std::make_shared<Pager>();
    pager->impl = impl_;
    pager->done = std::move(done);
    pager->next();
}

}  // namespace reglament::wazzup
