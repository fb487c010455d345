#include "net/http_client.hpp"

#include <deque>
#include <map>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace reglament::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

struct Connection {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    Clock::time_point idle_since{};

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

    // A pooled connection the server has closed in the meantime reads as EOF at once;
    // such a connection must not carry a request (the request would be lost in flight).
    bool looks_alive() {
        auto& socket = lowest().socket();
        if (!socket.is_open()) return false;
        error_code ec;
        socket.non_blocking(true, ec);
        char byte;
        socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
        bool alive = ec == asio::error::would_block;
        socket.non_blocking(false, ec);
        return alive;
    }
};

std::string describe(const error_code& ec) {
    if (ec == beast::error::timeout) return "timed out";
    return ec.message();
}

}  // namespace

struct AsyncHttpClient::Impl : std::enable_shared_from_this<AsyncHttpClient::Impl> {
    asio::io_context& io;
    ClientOptions options;
    asio::ssl::context tls_context{asio::ssl::context::tls_client};
    tcp::resolver resolver;
    std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
    bool shut_down = false;

    Impl(asio::io_context& io_, ClientOptions o) : io(io_), options(std::move(o)), resolver(io_) {
        tls_context.set_options(asio::ssl::context::default_workarounds |
                                asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                                asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        if (options.ca_file) {
            tls_context.load_verify_file(*options.ca_file);
        } else {
            tls_context.set_default_verify_paths();
        }
        tls_context.set_verify_mode(options.verify_peer ? asio::ssl::verify_peer
                                                        : asio::ssl::verify_none);
    }

    std::unique_ptr<Connection> take_idle(const std::string& key) {
        auto it = idle.find(key);
        if (it == idle.end()) return nullptr;
        auto& queue = it->second;
        while (!queue.empty()) {
            auto conn = std::move(queue.back());
            queue.pop_back();
            // Servers drop idle keep-alive connections after a while; do not bet on old ones.
            if (Clock::now() - conn->idle_since < std::chrono::seconds(20) && conn->looks_alive())
                return conn;
        }
        return nullptr;
    }

    void put_idle(const std::string& key, std::unique_ptr<Connection> conn) {
        if (shut_down) return;
        auto& queue = idle[key];
        if (queue.size() >= options.max_idle_per_host) return;
        conn->idle_since = Clock::now();
        queue.push_back(std::move(conn));
    }

    asio::awaitable<std::unique_ptr<Connection>> connect(const Url& url, Clock::time_point deadline,
                                                         std::optional<TransportError>& failure) {
        error_code ec;
        auto results = co_await resolver.async_resolve(
            url.host, std::to_string(url.port), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            failure =
                TransportError{"cannot resolve " + url.host + ": " + ec.message(), false, false};
            co_return nullptr;
        }
        auto conn = std::make_unique<Connection>();
        auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
        if (url.scheme == "https") {
            conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, tls_context);
            if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
                failure =
                    TransportError{"cannot set TLS server name for " + url.host, false, false};
                co_return nullptr;
            }
            conn->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
        } else {
            conn->plain = std::make_unique<beast::tcp_stream>(io);
        }
        auto& lowest = conn->lowest();
        lowest.expires_at(connect_deadline);
        co_await lowest.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            failure = TransportError{"cannot connect to " + url.origin() + ": " + describe(ec),
                                     false, ec == beast::error::timeout};
            co_return nullptr;
        }
        if (conn->tls) {
            lowest.expires_at(connect_deadline);
            co_await conn->tls->async_handshake(asio::ssl::stream_base::client,
                                                asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                failure = TransportError{
                    "TLS handshake with " + url.origin() + " failed: " + describe(ec), false,
                    ec == beast::error::timeout};
                co_return nullptr;
            }
        }
        lowest.socket().set_option(tcp::no_delay(true), ec);
        co_return conn;
    }

    template <class Stream>
    asio::awaitable<ClientResult> exchange(Stream& stream, http::request<http::string_body>& req,
                                           Clock::time_point deadline, bool& reusable) {
        ClientResult result;
        error_code ec;
        beast::get_lowest_layer(stream).expires_at(deadline);
        co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            result.error = TransportError{"sending request failed: " + describe(ec), true,
                                          ec == beast::error::timeout};
            co_return result;
        }
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(options.response_limit);
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            result.error = TransportError{"reading response failed: " + describe(ec), true,
                                          ec == beast::error::timeout};
            co_return result;
        }
        auto message = parser.release();
        Response response;
        response.status = static_cast<int>(message.result_int());
        for (const auto& field : message)
            response.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        response.body = std::move(message.body());
        reusable = message.keep_alive();
        result.response = std::move(response);
        co_return result;
    }

    asio::awaitable<ClientResult> run(ClientRequest request) {
        auto self = shared_from_this();
        ClientResult result;
        Url url;
        try {
            url = Url::parse(request.url);
        } catch (const std::exception& e) {
            result.error = TransportError{std::string("bad URL: ") + e.what(), false, false};
            co_return result;
        }
        auto deadline = Clock::now() + request.timeout.value_or(options.request_timeout);
        const std::string key = url.origin();

        http::request<http::string_body> req;
        req.method_string(request.method);
        req.target(url.target);
        req.version(11);
        req.set(http::field::host, url.host);
        req.set(http::field::user_agent, options.user_agent);
        for (const auto& [k, v] : request.headers)
            req.set(k, v);
        req.body() = std::move(request.body);
        req.keep_alive(true);
        req.prepare_payload();

        std::optional<TransportError> failure;
        auto conn = take_idle(key);
        if (!conn) conn = co_await connect(url, deadline, failure);
        if (!conn) {
            result.error = std::move(failure);
            co_return result;
        }
        bool reusable = false;
        if (conn->tls)
            result = co_await exchange(*conn->tls, req, deadline, reusable);
        else
            result = co_await exchange(*conn->plain, req, deadline, reusable);
        if (result.ok() && reusable) {
            conn->lowest().expires_never();
            put_idle(key, std::move(conn));
        }
        co_return result;
    }
};

AsyncHttpClient::AsyncHttpClient(asio::io_context& io, ClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

AsyncHttpClient::~AsyncHttpClient() {
    shutdown();
}

void AsyncHttpClient::request(ClientRequest request, std::function<void(ClientResult)> done) {
    auto impl = impl_;
    asio::co_spawn(
        impl->io,
        [impl, request = std::move(request)]() mutable { return impl->run(std::move(request)); },
        [done = std::move(done)](std::exception_ptr ep, ClientResult result) {
            if (ep) {
                try {
                    std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    result = ClientResult{};
                    result.error =
                        TransportError{std::string("request failed: ") + e.what(), true, false};
                }
            }
            done(std::move(result));
        });
}

void AsyncHttpClient::shutdown() {
    impl_->shut_down = true;
    impl_->idle.clear();
}

struct BlockingHttpClient::Impl {
    asio::io_context io;
    AsyncHttpClient client;
    explicit Impl(ClientOptions o) : client(io, std::move(o)) {}
};

BlockingHttpClient::BlockingHttpClient(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

BlockingHttpClient::~BlockingHttpClient() = default;

ClientResult BlockingHttpClient::request(ClientRequest request) {
    ClientResult out;
    impl_->client.request(std::move(request), [&out](ClientResult r) { out = std::move(r); });
    impl_->io.restart();
    impl_->io.run();
    return out;
}

Response BlockingHttpClient::get(const std::string& url, Headers headers) {
    ClientRequest r;
    r.method = "GET";
    r.url = url;
    r.headers = std::move(headers);
    auto result = request(std::move(r));
    if (!result.ok()) throw std::runtime_error("GET failed: " + result.error->message);
    return std::move(*result.response);
}

Response BlockingHttpClient::post(const std::string& url, std::string body,
                                  std::string content_type, Headers headers) {
    ClientRequest r;
    r.method = "POST";
    r.url = url;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.emplace_back("Content-Type", std::move(content_type));
    auto result = request(std::move(r));
    if (!result.ok()) throw std::runtime_error("POST failed: " + result.error->message);
    return std::move(*result.response);
}

}  // namespace reglament::net
