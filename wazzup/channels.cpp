#include "wazzup/channels.hpp"

#include <nlohmann/json.hpp>

#include "wazzup/json_fields.hpp"

#include "wazzup/text.hpp"

namespace reglament::wazzup {
bool is_sendable_state(std::string_view state) {
    return iequals(state, "active");
}

bool Channel::sendable() const {
    return is_sendable_state(state);
}

bool Channel::is_waba() const {
    return iequals(transport, "wapi");
}

Expected<std::vector<Channel>> parse_channels(std::string_view body) {
    auto list = json_list(body, "channel list");
    if (!list) return Expected<std::vector<Channel>>::fail(list.error());
    std::vector<Channel> channels;
    for (const auto& entry : *list) {
        Channel channel;
        channel.channel_id = string_field(entry, "channelId");
        if (channel.channel_id.empty()) continue;
        channel.transport = string_field(entry, "transport");
        channel.plain_id = string_field(entry, "plainId");
        channel.state = string_field(entry, "state");
        channel.name = string_field(entry, "name");
        channels.push_back(std::move(channel));
    }
    return Expected<std::vector<Channel>>::ok(std::move(channels));
}

Expected<Done> check_channel(const std::vector<Channel>& channels, std::string_view channel_id) {
    for (const auto& channel : channels) {
        if (channel.channel_id != channel_id) continue;
        if (channel.sendable()) return Expected<Done>::ok({});
        std::string what = "channel " + channel.channel_id +
                           (channel.plain_id.empty() ? "" : " (" + channel.plain_id + ")") +
                           " is \"" + channel.state + "\", not active";
        // State names from wazzup.md §3 in both spellings.
        std::string state = ascii_lowercase(channel.state);
        if (state == "qr" || state == "qridle") {
            what += ": scan the QR code in Wazzup's personal account";
        } else if (state == "notenoughmoney") {
            what += ": the channel is not paid";
        } else if (state == "phoneunavailable") {
            what += ": the phone is offline";
        } else if (state == "openelsewhere") {
            what += ": it is authorised in another Wazzup account";
        }
        return Expected<Done>::fail(what);
    }
    std::string known;
    for (const auto& channel : channels)
        known += (known.empty() ? "" : ", ") + channel.channel_id;
    return Expected<Done>::fail(
        "channel " + std::string(channel_id) + " is not in this Wazzup account" +
        (known.empty() ? " (it has no channels)" : " (it has: " + known + ")"));
}

Expected<Done> check_channel_transport(const std::vector<Channel>& channels,
                                       std::string_view channel_id, ChannelUse use) {
    for (const auto& channel : channels) {
        if (channel.channel_id != channel_id) continue;
        const std::string transport = ascii_lowercase(channel.transport);
        if (use == ChannelUse::waba_templates && !channel.is_waba())
            return Expected<Done>::fail("channel " + channel.channel_id + " is \"" +
                                        channel.transport +
                                        "\", not WABA (wapi): WABA templates cannot go through "
                                        "it; name a WABA channel in waba_channel_id");
        if (use == ChannelUse::whatsapp_text && transport != "whatsapp" && !channel.is_waba())
            return Expected<Done>::fail("channel " + channel.channel_id + " is \"" +
                                        channel.transport +
                                        "\", not WhatsApp: channel_id must be a WhatsApp channel");
        return Expected<Done>::ok({});
    }
    return check_channel(channels, channel_id);  // not listed: says so
}

void ChannelRegistry::replace(std::vector<Channel> channels) {
    channels_.clear();
    for (auto& channel : channels) {
        auto id = channel.channel_id;
        channels_.insert_or_assign(std::move(id), std::move(channel));
    }
}

void ChannelRegistry::apply(const ChannelUpdate& update) {
    Channel& channel = channels_[update.channel_id];
    channel.channel_id = update.channel_id;
    channel.state = update.state;
}

const Channel* ChannelRegistry::find(std::string_view channel_id) const {
    auto it = channels_.find(channel_id);
    return it == channels_.end() ? nullptr : &it->second;
}

}  // namespace reglament::wazzup
