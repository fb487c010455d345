#include "daemon/wazzup_setup.hpp"

#include <iostream>

#include <boost/asio/io_context.hpp>

#include "config/config.hpp"
#include "daemon/command_config.hpp"
#include "net/http_client.hpp"
#include "wazzup/client.hpp"

namespace reglament::daemon {

int wazzup_setup_command(const std::filesystem::path& config_path) {
    auto loaded = load_for_command(config_path);
    if (!loaded) return 1;
    const auto& cfg = *loaded;
    if (!cfg.wazzup) {
        std::cerr << config_path.string() << ": there is no [wazzup] section to set up\n";
        return 1;
    }
    if (cfg.server.public_url.empty()) {
        std::cerr << config_path.string()
                  << ": [server] public_url is empty; Wazzup needs the address it can reach "
                     "this daemon at\n";
        return 1;
    }
    std::string base = cfg.server.public_url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    // The secret travels in the path (POST /hooks/wazzup/<secret>): never print this URI.
    const std::string uri = base + "/hooks/wazzup/" + cfg.wazzup->webhook_secret.reveal();

    boost::asio::io_context io;
    net::AsyncHttpClient http(io);
    SystemClock clock;
    wazzup::ClientConfig client_config;
    client_config.base_url = cfg.wazzup->api_url;
    client_config.api_key = cfg.wazzup->api_key.reveal();
    wazzup::Client client(io, http, clock, client_config);
    wazzup::WebhookSubscriptions subscriptions;
    for (const auto& [name, t] : cfg.wazzup->templates)
        if (!t.waba_template_id.empty()) subscriptions.template_status = true;

    int code = 1;
    std::vector<std::pair<std::string, wazzup::ChannelUse>> uses{
        {cfg.wazzup->channel_id, wazzup::ChannelUse::whatsapp_text}};
    std::string names = cfg.wazzup->channel_id;
    if (!cfg.wazzup->waba_channel_id.empty()) {
        uses.emplace_back(cfg.wazzup->waba_channel_id, wazzup::ChannelUse::waba_templates);
        if (cfg.wazzup->waba_channel_id != cfg.wazzup->channel_id)
            names += " and WABA channel " + cfg.wazzup->waba_channel_id;
    }
    client.setup(uri, std::move(uses), subscriptions, [&](wazzup::Expected<wazzup::Done> result) {
        if (result) {
            std::cout << "Wazzup: key and channel " << names << " are fine; webhooks now go to "
                      << base << "/hooks/wazzup/***\n";
            code = 0;
        } else {
            std::cerr << "Wazzup set-up failed: " << result.error() << "\n";
        }
    });
    io.run();
    return code;
}

}  // namespace reglament::daemon
