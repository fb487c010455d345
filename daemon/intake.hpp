// The webhook intake (ARCHITECTURE.md "Data flow" 1): POST /hooks/bitrix and
// POST /hooks/wazzup/<secret> checked, mapped (daemon/inbox_mapping.hpp) and handed to the
// InboxWriter. A 200 goes out only from the writer's callback after the commit, so an
// acknowledged event is durable; a store that cannot commit gives 503.
//
// Answers: 405 not POST, 413 too large (bytes, or more fields/items than an event carries),
// 400 unparseable or an unusable id (one-line reason), 401 wrong application_token
// (Bitrix24), 404 wrong or unconfigured secret (Wazzup, as if nothing were there), 415 not
// JSON (Wazzup). A Wazzup POST with good and malformed items is 200: the good ones are
// stored, the others logged and counted. Log lines a sender can cause are rate-limited. Secrets
// (application_token, the path secret, OAuth tokens) never appear in a log line, an answer or the
// store.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/log_limiter.hpp"
#include "net/http_message.hpp"
#include "net/http_server.hpp"  // net::Reply; no Asio or Beast in it
#include "rules/clock.hpp"
#include "store/inbox_writer.hpp"

namespace reglament::daemon {

inline constexpr std::size_t kBitrixBodyLimit = 256 * 1024;

struct IntakeSettings {
    std::string application_token;  // auth[application_token] of the outgoing webhook
    std::string wazzup_secret;      // empty: /hooks/wazzup/* answers 404
};

class Intake {
  public:
    // count(source, outcome) feeds metrics, once per request: source "bitrix" | "wazzup",
    // outcome "accepted", "duplicate", "rejected_auth", "malformed", "too_large", "ignored",
    // "unavailable"; and once per malformed Wazzup item set aside from an accepted POST:
    // "item_rejected". It may be called on the writer thread.
    Intake(store::InboxWriter& writer, const Clock& clock, IntakeSettings settings,
           std::function<void(std::string_view, std::string_view)> count = {});

    // Handles POST /hooks/bitrix and /hooks/wazzup/<secret>; returns false (and does not call
    // reply) for any other path so the caller can answer 404. The reply may come later, from
    // the writer thread. Callbacks hold nothing of the Intake: it may go before the writer.
    bool handle(net::Request& req, net::Reply& reply);

    // SIGHUP reload; thread-safe, applies to requests that arrive afterwards.
    void update(IntakeSettings settings);

  private:
    using Count = std::function<void(std::string_view, std::string_view)>;

    std::shared_ptr<const IntakeSettings> settings() const;
    void handle_bitrix(const net::Request& req, const net::Reply& reply);
    void handle_wazzup(const net::Request& req, std::string_view secret, const net::Reply& reply);

    store::InboxWriter& writer_;
    const Clock& clock_;
    std::shared_ptr<const Count> count_;
    std::shared_ptr<LogLimiter> limiter_ = std::make_shared<LogLimiter>();
    mutable std::mutex mutex_;
    std::shared_ptr<const IntakeSettings> settings_;
};

}  // namespace reglament::daemon
