// Outbound Bitrix24 events: each change becomes a form-encoded POST to every handler bound to
// its event (bitrix24.md §5). Like the real queue it never retries; a configurable share is
// dropped or held back, so a client's poller gets exercised.
#pragma once

#include <deque>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/portal.hpp"

namespace reglament::emulator {

struct EventHandler {
    std::int64_t id = 0;
    std::string url;
    std::vector<std::string> events;  // upper case; empty means every event
};

struct EventDelivery {
    std::string url;
    std::string event;
    std::string body;  // application/x-www-form-urlencoded
    Instant due{};
};

struct EventAuth {
    std::string domain = "emulator.bitrix24.ru";
    std::string client_endpoint = "https://emulator.bitrix24.ru/rest/";
    std::string server_endpoint = "https://oauth.bitrix.info/rest/";
    std::string member_id = "emulator-member";
    std::string application_token = "emulator-application-token";
};

class EventHub {
  public:
    std::vector<EventHandler> handlers;
    EventAuth auth;
    double drop_share = 0;   // 0..1
    double delay_share = 0;  // 0..1
    std::chrono::milliseconds delay{std::chrono::seconds(30)};

    std::int64_t add_handler(std::string url, std::vector<std::string> events);
    void seed(std::uint64_t s) { rng_.seed(s); }
    // Queues one delivery per matching handler (or drops it).
    void publish(const PortalEvent& e, Instant now);
    // Deliveries whose time has come; removed from the queue.
    std::vector<EventDelivery> take_due(Instant now);
    std::size_t queued() const { return queue_.size(); }

    // For assertions: every event published, with what happened to it.
    struct Record {
        std::string event;
        nlohmann::json data;
        std::string url;
        std::string fate;  // "queued", "dropped", "delayed"
        Instant at;
    };
    std::deque<Record> log;

    // The documented body, exposed for tests of its shape.
    std::string form_body(const PortalEvent& e, std::int64_t handler_id, Instant ts) const;

  private:
    std::deque<EventDelivery> queue_;
    std::mt19937_64 rng_{42};
    std::int64_t next_id_ = 0;
};

}  // namespace reglament::emulator
