#include "emulator/server.hpp"

#include <atomic>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace reglament::emulator {

namespace asio = boost::asio;

struct EmulatorServer::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    ServeOptions options;
    Emulator emu;
    std::unique_ptr<net::HttpServer> plain, tls;
    net::AsyncHttpClient client;
    asio::steady_timer pump_timer;
    bool stopped = false;
    std::size_t delivery_failures = 0;

    Impl(asio::io_context& io_, ServeOptions o, std::function<Instant()> real)
        : io(io_),
          options(std::move(o)),
          emu(options.emulator, std::move(real)),
          client(io_, client_options(options)),
          pump_timer(io_) {}

    static net::ClientOptions client_options(const ServeOptions& o) {
        net::ClientOptions c;
        c.ca_file = o.ca_file;
        c.request_timeout = std::chrono::seconds(30);
        c.user_agent = "Bitrix24 Webhook Engine";
        return c;
    }

    void handle(net::Request&& request, net::Reply reply) {
        HttpOutcome out = emu.handle_http(request);
        if (out.webhook_test_url) {
            // Wazzup checks the new address with {"test": true} before it saves it.
            std::string url = *out.webhook_test_url;
            net::ClientRequest test{"POST",
                                    url,
                                    {{"Content-Type", "application/json; charset-utf-8"}},
                                    R"({"test":true})",
                                    std::nullopt};
            client.request(std::move(test),
                           [self = shared_from_this(), url, reply](net::ClientResult r) {
                               int status = r.ok() ? r.response->status : 0;
                               reply(self->emu.finish_webhook_test(url, status));
                           });
            return;
        }
        if (out.drop) out.response.drop_connection = true;
        auto delay = out.delay;
        if (delay.count() > 0) {
            auto timer = std::make_shared<asio::steady_timer>(io, delay);
            timer->async_wait(
                [timer, reply, response = std::move(out.response)](auto) { reply(response); });
        } else {
            reply(std::move(out.response));
        }
        pump();
    }

    // Sends what is due now; events are never retried, like the real queue.
    void pump() {
        for (auto& o : emu.take_outbound()) {
            net::ClientRequest r{
                "POST", o.url, {{"Content-Type", o.content_type}}, std::move(o.body), std::nullopt};
            client.request(std::move(r), [self = shared_from_this()](net::ClientResult res) {
                if (!res.ok() || res.response->status >= 300) ++self->delivery_failures;
            });
        }
    }

    void schedule_pump() {
        if (stopped) return;
        pump_timer.expires_after(std::chrono::milliseconds(50));
        pump_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            self->pump();
            self->schedule_pump();
        });
    }
};

EmulatorServer::EmulatorServer(asio::io_context& io, ServeOptions options,
                               std::function<Instant()> real_time)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(real_time))) {
    auto& o = impl_->options;
    auto& emu = impl_->emu;
    if (o.scenario_file) {
        std::ifstream in(*o.scenario_file);
        if (!in) throw std::runtime_error("cannot read scenario " + *o.scenario_file);
        auto sc = json::parse(in, nullptr, false);
        if (sc.is_discarded())
            throw std::runtime_error("scenario " + *o.scenario_file + " is not JSON");
        emu.load_scenario(sc);
    }
    for (const auto& url : o.event_handlers)
        emu.events.add_handler(url, {});
    if (!o.application_token.empty()) emu.events.auth.application_token = o.application_token;
    if (!o.wazzup_key.empty()) emu.wazzup.api_key = o.wazzup_key;
    if (!o.wazzup_webhook.empty()) {
        emu.wazzup.webhooks_uri = o.wazzup_webhook;
        emu.wazzup.subscriptions["messagesAndStatuses"] = true;
    }
}

EmulatorServer::~EmulatorServer() {
    stop();
}

void EmulatorServer::start() {
    auto self = impl_;
    // The servers are owned by Impl; a strong reference back from their handler would be a
    // cycle that outlives the emulator.
    std::weak_ptr<Impl> weak = impl_;
    auto handler = [weak](net::Request&& r, net::Reply reply) {
        if (auto alive = weak.lock()) {
            alive->handle(std::move(r), std::move(reply));
        } else {
            reply(net::Response::text(503, "emulator stopping\n"));
        }
    };
    net::ServerOptions so;
    so.address = self->options.address;
    so.port = self->options.port;
    so.body_limit = 64 * 1024 * 1024;  // scenarios can be large
    self->plain = std::make_unique<net::HttpServer>(self->io, so, handler);
    self->plain->start();
    if (self->options.tls_port) {
        net::ServerOptions to = so;
        to.port = *self->options.tls_port;
        to.tls_certificate_file = self->options.certificate_file;
        to.tls_private_key_file = self->options.private_key_file;
        self->tls = std::make_unique<net::HttpServer>(self->io, to, handler);
        self->tls->start();
    }
    self->schedule_pump();
}

void EmulatorServer::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    impl_->pump_timer.cancel();
    if (impl_->plain) impl_->plain->stop();
    if (impl_->tls) impl_->tls->stop();
    impl_->client.shutdown();
}

std::uint16_t EmulatorServer::port() const {
    return impl_->plain ? impl_->plain->port() : 0;
}

std::optional<std::uint16_t> EmulatorServer::tls_port() const {
    if (!impl_->tls) return std::nullopt;
    return impl_->tls->port();
}

Emulator& EmulatorServer::emulator() {
    return impl_->emu;
}

int run_emulator_main(int argc, char** argv) {
    CLI::App app{
        "reglamentd-emulator: a local Bitrix24 portal and Wazzup API v3 for tests, demo and "
        "benchmarks"};
    ServeOptions o;
    std::string listen = "127.0.0.1:18080";
    std::uint16_t tls_port = 0;
    std::string scenario;
    app.add_option("--listen", listen, "address:port for plain HTTP (port 0: any free port)");
    app.add_option("--tls-port", tls_port,
                   "also serve HTTPS on this port (needs --cert and --key)");
    app.add_option("--cert", o.certificate_file, "PEM certificate for HTTPS");
    app.add_option("--key", o.private_key_file, "PEM private key for HTTPS");
    app.add_option("--scenario", scenario, "scenario JSON to load at start");
    app.add_option("--webhook-secret", o.emulator.webhook_secret, "the inbound webhook's secret");
    app.add_option("--user-id", o.emulator.webhook_user, "the inbound webhook's user id");
    app.add_option("--event-handler", o.event_handlers,
                   "URL that receives every event (repeatable)");
    app.add_option("--application-token", o.application_token,
                   "auth[application_token] sent with events");
    app.add_option("--wazzup-key", o.wazzup_key, "the Wazzup API key (Bearer)");
    app.add_option("--wazzup-webhook", o.wazzup_webhook,
                   "preset Wazzup webhooksUri (messages and statuses)");
    app.add_option("--ca-file", o.ca_file, "CA to trust for outbound HTTPS deliveries");
    app.add_option("--rate-burst", o.emulator.rate_burst, "leaky bucket size (50; Enterprise 250)");
    app.add_option("--rate-drain", o.emulator.rate_drain,
                   "leaky bucket drain per second (2; Enterprise 5)");
    app.add_option("--public-url", o.emulator.public_base, "base URL announced as client_endpoint");
    CLI11_PARSE(app, argc, argv);
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "--listen must be address:port\n";
        return 2;
    }
    o.address = listen.substr(0, colon);
    o.port = static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));
    if (tls_port) {
        if (o.certificate_file.empty() || o.private_key_file.empty()) {
            std::cerr << "--tls-port needs --cert and --key (see emulator/make-test-cert)\n";
            return 2;
        }
        o.tls_port = tls_port;
    }
    if (!scenario.empty()) o.scenario_file = scenario;
    try {
        asio::io_context io;
        EmulatorServer server(io, o);
        server.start();
        std::cout << "reglamentd-emulator: http://" << o.address << ":" << server.port();
        if (server.tls_port())
            std::cout << " and https://" << o.address << ":" << *server.tls_port();
        std::cout << std::endl;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](auto, int) {
            server.stop();
            io.stop();
        });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "reglamentd-emulator: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace reglament::emulator
