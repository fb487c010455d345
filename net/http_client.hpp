// HTTP/1.1 clients with keep-alive and TLS (certificate verification with the system CAs or a
// CA file). AsyncHttpClient serves the daemon's REST and Wazzup clients on the daemon's
// io_context; BlockingHttpClient runs its own loop, for command-line tools and tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "net/http_message.hpp"

namespace boost::asio {
class io_context;
}

namespace reglament::net {

struct ClientOptions {
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
    // Whole call: connect, write, read.
    std::chrono::milliseconds request_timeout = std::chrono::seconds(70);
    std::optional<std::string> ca_file;  // PEM; system CAs when unset
    bool verify_peer = true;
    std::size_t max_idle_per_host = 8;
    std::size_t response_limit = 64 * 1024 * 1024;
    std::string user_agent = "reglamentd/0.1";
};

struct ClientRequest {
    std::string method = "GET";
    std::string url;  // absolute: http[s]://host[:port]/path?query
    Headers headers;
    std::string body;
    std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout
};

// What went wrong before a complete response arrived. `sent` tells whether the request may
// have reached the server (false only when the connection could not be made): callers use it
// to decide whether a non-idempotent call can be retried safely.
struct TransportError {
    std::string message;
    bool sent = false;
    bool timeout = false;
};

struct ClientResult {
    std::optional<Response> response;
    std::optional<TransportError> error;
    bool ok() const { return response.has_value(); }
};

class AsyncHttpClient {
  public:
    AsyncHttpClient(boost::asio::io_context& io, ClientOptions options = {});
    ~AsyncHttpClient();
    AsyncHttpClient(const AsyncHttpClient&) = delete;
    AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

    // Completion runs on the io_context. Redirects are not followed (Bitrix24's 302 on a
    // renamed portal must be re-POSTed by the caller).
    void request(ClientRequest request, std::function<void(ClientResult)> done);
    // Closes idle connections; in-flight requests complete with an error.
    void shutdown();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

class BlockingHttpClient {
  public:
    explicit BlockingHttpClient(ClientOptions options = {});
    ~BlockingHttpClient();
    ClientResult request(ClientRequest request);
    // Convenience for tests and tools: throws std::runtime_error on a transport error.
    Response get(const std::string& url, Headers headers = {});
    Response post(const std::string& url, std::string body, std::string content_type,
                  Headers headers = {});

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reglament::net
