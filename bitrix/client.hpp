// The asynchronous Bitrix24 REST client. Callers issue single calls; the client coalesces
// calls queued within a few milliseconds into `batch` requests, keeps under the portal's rate
// and operating limits, retries what is safe to retry, refreshes OAuth tokens (one refresh for
// any number of concurrent 401s) and follows a renamed portal's 302 by re-POSTing.
//
// Threading: call() and list_all() may be called from any thread; all work and every
// completion runs on the io_context given to the constructor (one thread runs it).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bitrix/batch.hpp"
#include "bitrix/limiter.hpp"
#include "bitrix/pager.hpp"
#include "bitrix/retry.hpp"
#include "net/http_client.hpp"
#include "rules/clock.hpp"

namespace boost::asio {
class io_context;
}

namespace reglament::bitrix {

// One call's answer: the result or the error, with list and time fields when sent.
using Result = CommandOutcome;

struct OAuthTokens {
    std::string access_token;
    std::string refresh_token;
    std::string client_endpoint;  // may change with the portal's address
};

struct ClientOptions {
    // Inbound webhook: "https://portal.bitrix24.ru/rest/1/<code>/". Takes precedence when set.
    std::string webhook_url;
    // OAuth application: "https://portal.bitrix24.ru/rest/" plus tokens and app credentials.
    std::string client_endpoint;
    std::string oauth_token_url = "https://oauth.bitrix.info/oauth/token/";
    std::string client_id;
    std::string client_secret;
    std::string access_token;
    std::string refresh_token;
    // Receives the rotated pair after a refresh and before the new tokens are used; the old
    // refresh token is dead from then on, so it must be stored durably here. Throwing makes
    // the client fail pending calls rather than use tokens it could not keep.
    std::function<void(const OAuthTokens&)> persist_tokens;
    // Both callbacks run on the client's io_context thread.
    // Called once per new portal address after a 302 (the lead stores it).
    std::function<void(const std::string& new_base_url)> on_portal_moved;

    BucketOptions bucket;  // BucketOptions::enterprise() for Enterprise plans
    OperatingOptions operating;
    RetryPolicy retry;
    std::chrono::milliseconds coalesce_window = std::chrono::milliseconds(5);
    std::size_t max_in_flight = 4;
    std::size_t batch_limit = max_batch_commands;  // commands per batch; 1 disables batching
    std::size_t max_redirects = 3;
    net::ClientOptions http;  // timeouts, CA file
    // Steady time for the rate limiter; tests may replace it.
    std::function<std::chrono::steady_clock::time_point()> steady_now;
};

struct ClientStats {
    std::size_t http_requests = 0;
    std::size_t commands = 0;  // single calls carried (a batch carries up to 50)
    std::size_t batches = 0;
    std::size_t limit_errors = 0;  // QUERY_LIMIT_EXCEEDED answers
    std::size_t refreshes = 0;
    std::size_t redirects = 0;
    std::size_t retries = 0;
};

class Client {
  public:
    // Throws std::invalid_argument when neither a webhook nor OAuth is configured, or when a
    // non-loopback URL is plain HTTP.
    Client(boost::asio::io_context& io, ClientOptions options, const Clock& clock);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void call(std::string method, nlohmann::json params, Idempotency idempotency,
              std::function<void(Result)> done);
    std::future<Result> call(std::string method, nlohmann::json params,
                             Idempotency idempotency = Idempotency::automatic);

    // Streams every item matching `request` to on_page (in id order on the fast path);
    // `done` gets nullopt on completion or the error that stopped it.
    void list_all(ListRequest request, PageSink on_page,
                  std::function<void(std::optional<Error>)> done);

    ClientStats stats() const;
    // The rate limiter's budget: requests that may go now without waiting, of how many.
    struct RateBudget {
        double remaining = 0;
        double capacity = 0;
    };
    RateBudget rate_budget() const;
    // The base URL calls currently go to (redacted), e.g. after a portal move.
    std::string base_url_redacted() const;
    // A reloaded config's inbound webhook (its secret code rotated): calls from now on go
    // there. Ignored for OAuth. Throws std::invalid_argument for a plain-HTTP remote URL.
    void set_webhook_url(std::string url);
    // Fails queued calls and stops timers; calls in flight complete with an error.
    void shutdown();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::bitrix
