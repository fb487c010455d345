// Wazzup API v3 as the daemon sees it (wazzup.md): sending, channels, the webhook address and
// templates, plus the webhooks it sends back (`messages`, `statuses`). Pure: answers and
// queued webhooks, no sockets.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/limits.hpp"
#include "emulator/timefmt.hpp"

namespace reglament::emulator {

struct WazzupChannel {
    std::string channel_id;
    std::string transport = "whatsapp";  // whatsapp, wapi, tgapi, telegram, instagram, vk, avito
    std::string plain_id;
    std::string state = "active";
    std::string name;
};

struct WazzupMessage {
    std::string message_id, channel_id, chat_type, chat_id;
    std::string text, content_uri, crm_message_id, template_id;
    nlohmann::json template_values;
    bool inbound = false;
    std::string status;  // inbound, sent, delivered, read, error
    std::string error;
    Instant at{};
};

struct WazzupWebhook {
    std::string url;
    nlohmann::json body;
    Instant due{};
};

struct WazzupAnswer {
    int status = 200;
    nlohmann::json body;  // null: empty body
    // PATCH /v3/webhooks first POSTs {"test": true} to the new address; the I/O layer does it
    // and calls finish_webhook_test with the status it got.
    std::optional<std::string> test_url;
};

class WazzupService {
  public:
    std::string api_key = "emulator-wazzup-key";
    std::vector<WazzupChannel> channels;
    std::vector<nlohmann::json> templates;
    std::string webhooks_uri;
    nlohmann::json subscriptions = {{"messagesAndStatuses", false},
                                    {"contactsAndDealsCreation", false},
                                    {"channelsUpdates", false},
                                    {"templateStatus", false}};
    // Status progression after an accepted send, in emulator time; negative: never on its own.
    std::chrono::milliseconds sent_after{1000}, delivered_after{3000}, read_after{-1};
    bool echo_api_sends = true;  // the docs disagree whether own API sends echo (wazzup.md §4.3)
    std::set<std::string> no_whatsapp;            // chat ids that are not on WhatsApp
    std::map<std::string, Instant> last_inbound;  // chat id -> last client message
    std::vector<WazzupMessage> messages;
    FixedWindow window{500, std::chrono::seconds(5)};

    WazzupService();
    void seed(std::uint64_t s) { rng_.seed(s); }

    WazzupAnswer handle(const std::string& method, const std::string& path,
                        const std::string& query, const std::string& authorization,
                        const std::string& body, Instant now);
    WazzupAnswer finish_webhook_test(const std::string& url, const nlohmann::json& patch,
                                     int test_status);

    // People's side: a client writes; a status changes (read, or an error).
    WazzupMessage& client_writes(const std::string& chat_id, const std::string& text,
                                 const std::string& channel_id, const std::string& name,
                                 Instant now);
    // Throws std::invalid_argument for an unknown channel.
    void set_channel_state(const std::string& channel_id, const std::string& state, Instant now);
    void set_status(const std::string& message_id, const std::string& status,
                    const std::string& error, Instant when);

    std::vector<WazzupWebhook> take_due(Instant now);
    std::string pending_patch_body;  // the PATCH body waiting for its test POST

  private:
    WazzupAnswer send(const nlohmann::json& body, Instant now);
    nlohmann::json message_webhook(const WazzupMessage& m, Instant now,
                                   const std::string& name = "") const;
    void queue(nlohmann::json body, Instant due);
    std::string uuid();
    const WazzupChannel* channel(const std::string& id) const;
    std::map<std::string, Instant> crm_ids_;
    std::deque<WazzupWebhook> outbox_;
    std::mt19937_64 rng_{7};
};

}  // namespace reglament::emulator
