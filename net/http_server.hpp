// An HTTP/1.1 server for the daemon's webhook intake and admin endpoint and for the emulator.
// It only moves bytes: what a request means is the handler's business.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.hpp"

namespace boost::asio {
class io_context;
}

namespace reglament::net {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port, see HttpServer::port()
    std::size_t body_limit = 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    // Slow senders cannot hold a connection: headers must arrive within header_timeout
    // (also the keep-alive idle time), the body within body_timeout.
    std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
    std::chrono::milliseconds body_timeout = std::chrono::seconds(30);
    // Connections open at once, in all and from one peer address (0: no per-address cap).
    // One over either cap is closed at once, before a byte is read.
    std::size_t max_connections = 20000;
    std::size_t max_connections_per_address = 0;
    // TLS when both are set (PEM files).
    std::optional<std::string> tls_certificate_file;
    std::optional<std::string> tls_private_key_file;
    // Told of every request the server itself refuses before a handler sees it (400 malformed
    // HTTP, 408 too slow, 413 too large, 431 headers too large): the status, the target when
    // the request line was read (empty otherwise), a one-line reason and the peer address.
    // And (status 0) of every connection closed for a connection cap. Runs on a connection's
    // thread; must not throw.
    std::function<void(int status, std::string_view target, std::string_view reason,
                       const std::string& remote)>
        on_refused;
};

// Called once per request. `reply` may be called later, from any thread; exactly once.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Reply)>;

class HttpServer {
  public:
    // Accepts on `io`; each connection runs on a strand of `io`, which may run on many threads.
    HttpServer(boost::asio::io_context& io, ServerOptions options, Handler handler);
    // Accepts on `io` and hands connections round-robin to `workers`, each of which must be
    // run by exactly one thread: a connection then needs no strand, and its work never moves
    // between threads (the webhook intake, one worker per core).
    HttpServer(boost::asio::io_context& io, std::vector<boost::asio::io_context*> workers,
               ServerOptions options, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens; throws std::runtime_error naming the address on failure.
    void start();
    // Stops accepting and closes idle connections; requests in flight still get their answer.
    void stop();
    std::uint16_t port() const;
    std::size_t open_connections() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace reglament::net
