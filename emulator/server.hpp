// The emulator on the network: one net::HttpServer (and a TLS one when given a certificate)
// feeding the pure Emulator, and an outbound pump that POSTs due events and Wazzup webhooks.
// Everything runs on one io_context thread, so the Emulator needs no locks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/emulator.hpp"

namespace boost::asio {
class io_context;
}

namespace reglament::emulator {

struct ServeOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 18080;  // 0: any free port
    std::optional<std::uint16_t> tls_port;
    std::string certificate_file, private_key_file;
    std::optional<std::string> scenario_file;
    std::vector<std::string> event_handlers;
    std::string application_token;
    std::string wazzup_key;
    std::string wazzup_webhook;          // preset subscription (no test POST)
    std::optional<std::string> ca_file;  // trust for outbound HTTPS (events, webhooks)
    // A "drop" fault holds the answer this long: net::HttpServer cannot abort a connection,
    // so a client sees its own timeout rather than an EOF.
    EmulatorOptions emulator;
};

class EmulatorServer {
  public:
    EmulatorServer(boost::asio::io_context& io, ServeOptions options,
                   std::function<Instant()> real_time = system_now);
    ~EmulatorServer();
    EmulatorServer(const EmulatorServer&) = delete;
    EmulatorServer& operator=(const EmulatorServer&) = delete;

    void start();  // throws std::runtime_error naming the address
    void stop();
    std::uint16_t port() const;
    std::optional<std::uint16_t> tls_port() const;
    // Only from the io_context's thread (or before run()).
    Emulator& emulator();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// `reglamentd-emulator ...` and `reglamentd emulator ...`.
int run_emulator_main(int argc, char** argv);

}  // namespace reglament::emulator
