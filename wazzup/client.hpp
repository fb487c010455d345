// The Wazzup API v3 client on the daemon's io_context (wazzup.md §1–§5, §7): sends regulation
// messages exactly once (crmMessageId, retries only inside Wazzup's 60 s dedupe window), keeps
// under the rate limit, knows which channels can send and which chats are inside the WABA
// 24-hour window. Every call and completion happens on the io_context's thread.
// The API key goes into the Authorization header only, never into logs or error texts.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rules/clock.hpp"
#include "wazzup/channels.hpp"
#include "wazzup/expected.hpp"
#include "wazzup/message.hpp"
#include "wazzup/retry_policy.hpp"
#include "wazzup/send_outcome.hpp"
#include "wazzup/waba_templates.hpp"
#include "wazzup/webhook.hpp"
#include "wazzup/webhook_setup.hpp"

namespace boost::asio {
class io_context;
}
namespace reglament::net {
class AsyncHttpClient;
}

namespace reglament::wazzup {

struct ClientConfig {
    std::string base_url = "https://api.wazzup24.com/v3";  // no trailing slash
    std::string api_key;
    // rate_limit_wait (429) defaults to 5 s and should stay ≥5 s outside tests (§2.4).
    RetryPolicy retry;
    std::chrono::milliseconds attempt_timeout = std::chrono::seconds(15);
    std::size_t request_limit = 400;  // per limit_window, under Wazzup's 500 / 5 s (§7)
    std::chrono::milliseconds limit_window = std::chrono::seconds(5);
};

class Client {
  public:
    // `http` and `clock` must outlive the client. `clock` is business time (the WABA window);
    // network waits use Asio steady timers.
    Client(boost::asio::io_context& io, net::AsyncHttpClient& http, const Clock& clock,
           ClientConfig config);
    ~Client();  // pending sends complete with RetryAfter "client stopped"
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // POST /v3/message with retries. Refused without a request (FinalError, http_status 0):
    // nothing to send, a channel known not to be active (CHANNEL_NOT_ACTIVE), free text on a
    // WABA channel outside the client's 24-hour window (OUTSIDE_24H_WINDOW).
    void send(OutgoingMessage message, std::function<void(SendOutcome)> done);

    // GET /v3/channels; on success the registry is replaced. Call at start.
    void refresh_channels(std::function<void(Expected<std::vector<Channel>>)> done);
    // From `channelsUpdates` webhooks.
    void apply(const ChannelUpdate& update);
    // From `messages` webhooks: a client's message opens the WABA window for its chat.
    void apply(const WebhookMessage& message);
    const ChannelRegistry& channels() const;

    // PATCH /v3/webhooks (`reglamentd wazzup setup`); failures explained in plain words.
    void set_webhooks(std::string uri, WebhookSubscriptions subscriptions,
                      std::function<void(Expected<Done>)> done);
    // `reglamentd wazzup setup`: checks the key and the channels (GET /v3/channels), then
    // PATCH /v3/webhooks (Wazzup's test POST must reach the running daemon). The first
    // problem is reported in plain words; nothing after it is attempted.
    void setup(std::string webhook_uri, std::vector<std::string> channel_ids,
               WebhookSubscriptions subscriptions, std::function<void(Expected<Done>)> done);
    // The same, and each channel's transport must fit what the config uses it for.
    void setup(std::string webhook_uri, std::vector<std::pair<std::string, ChannelUse>> channels,
               WebhookSubscriptions subscriptions, std::function<void(Expected<Done>)> done);
    // GET /v3/templates/whatsapp, all pages.
    void templates(std::function<void(Expected<std::vector<WabaTemplateInfo>>)> done);

  private:
    struct Impl;
    struct SendOperation;  // one message through its attempts
    static void set_webhooks_on(const std::shared_ptr<Impl>& impl, std::string uri,
                                WebhookSubscriptions subscriptions,
                                std::function<void(Expected<Done>)> done);
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::wazzup
