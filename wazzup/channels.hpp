// Channels from GET /v3/channels and `channelsUpdates` webhooks (wazzup.md §3, §4.5). Only an
// "active" channel can send; states are compared case-insensitively and unknown ones are kept
// as not sendable (the EN and RU docs spell them differently, §3, §8.7).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wazzup/expected.hpp"

namespace reglament::wazzup {

struct Channel {
    std::string channel_id;
    std::string transport;  // whatsapp, wapi (WABA), telegram, tgapi, instagram, vk, avito, ...
    std::string plain_id;   // the channel's phone number / username
    std::string state;      // as sent: active, init, qr/qridle, phoneUnavailable, ...
    std::string name;       // live accounts send a title the docs do not mention

    bool sendable() const;
    bool is_waba() const;  // transport "wapi": the 24-hour window applies (§5)
};

bool is_sendable_state(std::string_view state);

// The bare array of GET /v3/channels ({data:[...]} is accepted too). Entries without a
// channelId are skipped; a body that is not a list is an error with the reason.
Expected<std::vector<Channel>> parse_channels(std::string_view body);

// For `reglamentd wazzup setup`: is the configured channel in the account and able to send?
// Fails with a plain sentence, with a hint for the common states.
Expected<Done> check_channel(const std::vector<Channel>& channels, std::string_view channel_id);

// What the config uses a channel for: channel_id sends free text (a WhatsApp channel, or a WABA
// one inside the 24-hour window), waba_channel_id sends WABA templates (only transport wapi).
enum class ChannelUse { whatsapp_text, waba_templates };
// For `wazzup setup` and the start-up check: does the channel's transport fit its use?
Expected<Done> check_channel_transport(const std::vector<Channel>& channels,
                                       std::string_view channel_id, ChannelUse use);

// One entry of a `channelsUpdates` webhook.
struct ChannelUpdate {
    std::string channel_id;
    std::string state;
    std::string tier;  // WABA: TIER_0 (250 conversations / 24 h), TIER_1K, ...
    std::optional<std::int64_t> timestamp_ms;
};

// What the client knows about the account's channels.
class ChannelRegistry {
  public:
    void replace(std::vector<Channel> channels);
    // A channel we did not list yet is added with only its id and state.
    void apply(const ChannelUpdate& update);
    const Channel* find(std::string_view channel_id) const;
    bool empty() const { return channels_.empty(); }

  private:
    std::map<std::string, Channel, std::less<>> channels_;
};

}  // namespace reglament::wazzup
