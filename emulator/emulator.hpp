// The whole emulator as one pure object: Bitrix24 REST with its envelope, limits, OAuth,
// batch and faults; outbound events; Wazzup v3; the control API. The I/O layer (server.cpp)
// feeds it requests and carries out what it returns (answers, deliveries, delays).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/events.hpp"
#include "emulator/limits.hpp"
#include "emulator/oauth.hpp"
#include "emulator/portal.hpp"
#include "emulator/wazzup_service.hpp"
#include "net/http_message.hpp"

namespace reglament::emulator {

// The emulator's own clock: real time shifted by an offset, or frozen at a set instant.
// `real` is the only reader of the wall clock (tests inject a fake one).
class EmulatorClock {
  public:
    explicit EmulatorClock(std::function<Instant()> real) : real_(std::move(real)) {}
    Instant now() const { return frozen_ ? *frozen_ : real_() + offset_; }
    void set(Instant t, bool freeze);
    void advance(std::chrono::milliseconds d);
    bool frozen() const { return frozen_.has_value(); }

  private:
    std::function<Instant()> real_;
    std::chrono::milliseconds offset_{0};
    std::optional<Instant> frozen_;
};

Instant system_now();

struct EmulatorOptions {
    std::string webhook_secret = "emulatorsecret";
    Id webhook_user = 1;
    double rate_burst = 50;
    double rate_drain = 2;
    std::string public_base = "http://127.0.0.1:18080";  // for client_endpoint
};

struct RestAnswer {
    int status = 200;
    json body;
};

// A fault injected into one method (or "*"): "500", "html", "slow", "drop", "redirect".
struct Fault {
    std::string kind;
    int remaining = -1;  // -1: until cleared
    std::chrono::milliseconds delay{0};
    std::string location;  // redirect target origin, e.g. "https://new.bitrix24.ru"
};

struct HttpOutcome {
    net::Response response;
    bool drop = false;                   // close the connection without answering
    std::chrono::milliseconds delay{0};  // answer this much later (real time)
    std::optional<std::string>
        webhook_test_url;  // Wazzup PATCH /v3/webhooks: POST {"test":true} first
};

struct Outbound {
    std::string url;
    std::string content_type;
    std::string body;
    std::string kind;  // "event" or "wazzup"
};

class Emulator {
  public:
    explicit Emulator(EmulatorOptions options = {},
                      std::function<Instant()> real_time = system_now);

    EmulatorOptions options;
    EmulatorClock clock;
    Portal portal;
    OAuthServer oauth;
    EventHub events;
    WazzupService wazzup;
    LeakyBucket bucket;
    OperatingBudget operating;
    std::map<std::string, Fault> faults;

    // One REST request (counts once against the leaky bucket, batch included).
    // `batch_order`: the order of batch command keys as sent (JSON objects lose it).
    RestAnswer handle_rest(const std::string& method, const json& params, const Caller& caller,
                           Instant now, const std::vector<std::string>* batch_order = nullptr);
    // Any HTTP request: /rest/..., /oauth/token/, /v3/..., /_emulator/...
    HttpOutcome handle_http(const net::Request& request);
    // The answer to a Wazzup PATCH /v3/webhooks once its test POST got `status` (0: failed).
    net::Response finish_webhook_test(const std::string& url, int status);
    // Events and Wazzup webhooks due at the emulator's time.
    std::vector<Outbound> take_outbound();
    // Moves what the portal emitted into the event queue.
    void flush_events(Instant now);

    void load_scenario(const json& scenario);
    // Adds `count` generated leads quickly (benchmarks), without events.
    void generate_leads(std::int64_t count, Instant now);

    // Read-back for assertions.
    std::map<std::string, std::int64_t> rest_counts;
    struct LoggedCall {
        std::string method;
        int status;
        Instant at;
        json params;
    };
    std::deque<LoggedCall> rest_log;  // the most recent 10000
    std::size_t delivered_events = 0;

  private:
    RestAnswer run_batch(const json& params, const Caller& caller, Instant now,
                         const std::vector<std::string>* order);
    json time_block(const std::string& key, Instant now, double processing);
    RestAnswer run_one(const std::string& method, const json& params, const Caller& caller,
                       Instant now, json* time_out, std::optional<std::int64_t>* total,
                       std::optional<std::int64_t>* next);
    HttpOutcome handle_rest_http(const net::Request& request, Instant now);
    net::Response control(const net::Request& request);
    json act(const std::string& what, const json& body, Instant now);
    json read_back(const std::string& what, const json& query);
    void log_call(const std::string& method, int status, Instant now, const json& params);
};

// Decodes a REST request's parameters: query string, then a JSON or form body over it.
// Fills `batch_order` with the cmd keys in the order written when the body is JSON.
json rest_params(const net::Request& request, std::vector<std::string>* batch_order);

}  // namespace reglament::emulator
