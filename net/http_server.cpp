#include "net/http_server.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace reglament::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// A session that is waiting for a request can be closed at shutdown; one that is
// handling a request is left to finish and answer. Each session runs on its own strand (the
// io_context may run on several threads) or on a worker run by one thread, and `busy`/`close`
// are only touched there: stop() posts there, and the session clears `close` before its
// stream goes away.
struct SessionControl {
    explicit SessionControl(asio::any_io_executor ex) : executor(std::move(ex)) {}
    asio::any_io_executor executor;
    bool busy = false;
    std::function<void()> close;
};

// Clears the session's close action when its stream leaves scope, however it leaves.
struct CloseGuard {
    SessionControl& control;
    ~CloseGuard() { control.close = nullptr; }
};

// Turns the callback-style Handler into something a coroutine can co_await. If the handler
// drops its Reply without calling it, the client still gets an answer (500) instead of a hang.
struct ReplyState {
    std::function<void(Response)> deliver;
    std::atomic<bool> done{false};
    // True while the handler runs on the session's strand: an answer given then must be
    // posted, not resumed in place under the handler's feet.
    std::atomic<bool> in_handler{true};
    void fire(Response r) {
        if (!done.exchange(true)) deliver(std::move(r));
    }
    ~ReplyState() {
        if (!done.exchange(true))
            deliver(Response::text(500, "internal error: request was not answered\n"));
    }
};

template <class Token>
auto async_handle(const Handler& handler, asio::any_io_executor ex, Request req, Token&& token) {
    return asio::async_initiate<Token, void(Response)>(
        [&handler, ex](auto completion, Request req) {
            auto shared = std::make_shared<decltype(completion)>(std::move(completion));
            auto state = std::make_shared<ReplyState>();
            // An answer given later, from a thread of the same io_context (the daemon runs
            // a committed batch's answers there), resumes the session in place: dispatch
            // runs it inline when the strand is free, and only queues it otherwise.
            state->deliver = [shared, ex, weak = std::weak_ptr<ReplyState>(state)](Response r) {
                auto resume = [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); };
                auto self = weak.lock();
                if (self && !self->in_handler)
                    asio::dispatch(ex, std::move(resume));
                else
                    asio::post(ex, std::move(resume));
            };
            try {
                handler(std::move(req), [state](Response r) { state->fire(std::move(r)); });
            } catch (const std::exception& e) {
                state->fire(Response::text(500, std::string("internal error: ") + e.what() + "\n"));
            }
            state->in_handler = false;
        },
        token, std::move(req));
}

http::response<http::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    for (const auto& [k, v] : r.headers)
        res.set(k, v);
    if (r.header("Server").empty()) res.set(http::field::server, "reglamentd");
    res.body() = r.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

// The head (status line and fields) of a small answer, serialized by Beast once per thread
// and reused. Webhook answers are a handful of fixed short texts, and Beast's serializer,
// walking its views over views of buffers for every answer, was about 5 % of the daemon's CPU
// under intake load. Held by shared_ptr: a session keeps its head alive while it writes, even
// if the cache is cleared meanwhile.
constexpr std::size_t kCachedBodyLimit = 64;
constexpr std::size_t kCachedHeads = 64;

std::shared_ptr<const std::string> small_answer_head(const Response& r, unsigned version,
                                                     bool keep_alive) {
    thread_local std::unordered_map<std::string, std::shared_ptr<const std::string>> heads;
    std::string key = std::to_string(r.status);
    key += '/';
    key += std::to_string(version);
    key += keep_alive ? "/k/" : "/c/";
    key += std::to_string(r.body.size());
    for (const auto& [name, value] : r.headers) {
        key += '\n';
        key += name;
        key += ':';
        key += value;
    }
    if (auto it = heads.find(key); it != heads.end()) return it->second;
    std::ostringstream head;
    head << to_beast(r, version, keep_alive).base();
    if (heads.size() >= kCachedHeads) heads.clear();  // not expected: answers are few
    return heads.emplace(std::move(key), std::make_shared<const std::string>(head.str()))
        .first->second;
}

Response error_response(int status, std::string_view reason) {
    return Response::text(status, std::string(reason) + "\n");
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    asio::io_context& io;
    std::vector<asio::io_context*> workers;  // empty: strands of io
    std::size_t next_worker = 0;             // only touched by the accept loop
    ServerOptions options;
    Handler handler;
    tcp::acceptor acceptor;
    std::optional<asio::ssl::context> tls;
    mutable std::mutex sessions_mutex;  // sessions start and end on any thread of io
    std::unordered_map<std::uint64_t, std::shared_ptr<SessionControl>> sessions;
    std::uint64_t next_session = 0;
    // Connections admitted and not yet ended, in all and by peer address (under
    // sessions_mutex): counted at accept, so a burst cannot slip past the caps.
    std::size_t admitted = 0;
    std::unordered_map<std::string, std::size_t> admitted_by_address;
    std::atomic<bool> stopping{false};

    Impl(asio::io_context& io_, std::vector<asio::io_context*> w, ServerOptions o, Handler h)
        : io(io_),
          workers(std::move(w)),
          options(std::move(o)),
          handler(std::move(h)),
          acceptor(io_) {}

    // A connection runs on a worker io_context (one thread each, no strand needed) or, without
    // workers, on a strand of io. Sessions are templates over that executor type rather than
    // using any_io_executor: the type-erased executor was copied and queried on every
    // operation of every request, a few per cent of the daemon's CPU under intake load.
    template <class Executor>
    static auto on_error(error_code& ec) {
        return asio::redirect_error(asio::use_awaitable_t<Executor>{}, ec);
    }

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        asio::steady_timer backoff(io);
        for (;;) {
            error_code ec;
            if (workers.empty())
                co_await accept_one(asio::make_strand(io.get_executor()), ec);
            else
                co_await accept_one(workers[next_worker++ % workers.size()]->get_executor(), ec);
            if (ec) {
                if (stopping || !acceptor.is_open()) co_return;
                // Out of descriptors or similar: wait a little instead of spinning.
                backoff.expires_after(std::chrono::milliseconds(50));
                co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
        }
    }

    // Accepts one connection onto `executor` and starts its session there.
    template <class Executor>
    asio::awaitable<void> accept_one(Executor executor, error_code& ec) {
        auto socket =
            co_await acceptor.async_accept(executor, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto endpoint = socket.remote_endpoint(ec);
        std::string remote = ec ? "?" : endpoint.address().to_string();
        ec = {};
        if (const char* cap = admit(remote)) {
            socket.close(ec);
            ec = {};
            refused(0, {}, cap, remote);
            co_return;
        }
        asio::co_spawn(executor, run_session<Executor>(std::move(socket), std::move(remote)),
                       asio::detached);
    }

    // Null when the connection may stay; otherwise which cap it hit.
    const char* admit(const std::string& remote) {
        std::lock_guard lock(sessions_mutex);
        if (admitted >= options.max_connections) return "connection cap (max_connections) reached";
        auto& from_here = admitted_by_address[remote];
        if (options.max_connections_per_address > 0 &&
            from_here >= options.max_connections_per_address)
            return "per-address connection cap (max_connections_per_address) reached";
        ++from_here;
        ++admitted;
        return nullptr;
    }

    void release(const std::string& remote) {
        std::lock_guard lock(sessions_mutex);
        --admitted;
        if (auto it = admitted_by_address.find(remote);
            it != admitted_by_address.end() && --it->second == 0)
            admitted_by_address.erase(it);
    }

    void refused(int status, std::string_view target, std::string_view reason,
                 const std::string& remote) const {
        if (!options.on_refused) return;
        try {
            options.on_refused(status, target, reason, remote);
        } catch (const std::exception&) {
            // Counting a refusal must never break the connection's handling.
        }
    }

    template <class Executor>
    asio::awaitable<void, Executor> run_session(asio::basic_stream_socket<tcp, Executor> socket,
                                                std::string remote) {
        using Stream = beast::basic_stream<tcp, Executor>;
        auto self = shared_from_this();
        auto control = std::make_shared<SessionControl>(socket.get_executor());
        std::uint64_t id = 0;
        {
            std::lock_guard lock(sessions_mutex);
            id = next_session++;
            sessions.emplace(id, control);
        }
        error_code ec;
        try {
            if (tls) {
                beast::ssl_stream<Stream> stream(std::move(socket), *tls);
                control->close = [&stream] { beast::get_lowest_layer(stream).cancel(); };
                CloseGuard guard{*control};
                beast::get_lowest_layer(stream).expires_after(options.header_timeout);
                co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                on_error<Executor>(ec));
                if (!ec) co_await serve(stream, *control, remote);
                beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
                co_await stream.async_shutdown(on_error<Executor>(ec));
            } else {
                Stream stream(std::move(socket));
                control->close = [&stream] { stream.cancel(); };
                CloseGuard guard{*control};
                co_await serve(stream, *control, remote);
                stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            }
        } catch (const std::exception&) {
            // The connection is gone either way; nothing else depends on it.
        }
        release(remote);
        std::lock_guard lock(sessions_mutex);
        sessions.erase(id);
    }

    std::size_t session_count() const {
        std::lock_guard lock(sessions_mutex);
        return sessions.size();
    }

    template <class Stream, class Executor = typename Stream::executor_type>
    asio::awaitable<void, Executor> serve(Stream& stream, SessionControl& control,
                                          const std::string& remote) {
        beast::flat_buffer buffer;
        for (;;) {
            if (stopping) co_return;
            control.busy = false;
            http::request_parser<http::string_body> parser;
            parser.body_limit(options.body_limit);
            parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
            error_code ec;
            bool late = co_await read_within(
                stream, options.header_timeout,
                [&](auto token) {
                    return http::async_read_header(stream, buffer, parser, std::move(token));
                },
                ec);
            if (ec == http::error::header_limit) {
                co_await refuse(stream, 431, "request headers too large", {}, 11, remote);
                co_return;
            }
            if (ec == http::error::body_limit) {  // Content-Length already says too much
                co_await refuse(stream, 413, "request body too large", {}, 11, remote);
                co_return;
            }
            if (late) {
                // An idle keep-alive connection is closed without a word; a request begun and
                // not finished in time is owed an answer.
                if (buffer.size() > 0 || parser.got_some())
                    co_await refuse(stream, 408, "request headers not received in time", {}, 11,
                                    remote);
                co_return;
            }
            if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                ec == beast::error::timeout || ec == asio::error::operation_aborted)
                co_return;
            if (ec) {
                co_await refuse(stream, 400, "malformed HTTP request", {}, 11, remote);
                co_return;
            }
            control.busy = true;
            const auto sent_target = parser.get().target();
            const std::string_view target(sent_target.data(), sent_target.size());
            if (auto len = parser.content_length(); len && *len > options.body_limit) {
                co_await refuse(stream, 413, "request body too large", target,
                                parser.get().version(), remote);
                co_return;
            }
            if (!parser.is_done()) {
                late = co_await read_within(
                    stream, options.body_timeout,
                    [&](auto token) {
                        return http::async_read(stream, buffer, parser, std::move(token));
                    },
                    ec);
                if (ec == http::error::body_limit) {
                    co_await refuse(stream, 413, "request body too large", target,
                                    parser.get().version(), remote);
                    co_return;
                }
                if (late) {
                    co_await refuse(stream, 408, "request body not received in time", target,
                                    parser.get().version(), remote);
                    co_return;
                }
                if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                    ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
                    co_return;
                if (ec) {
                    co_await refuse(stream, 400, "malformed HTTP request body", target,
                                    parser.get().version(), remote);
                    co_return;
                }
            }
            auto message = parser.release();
            Request request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            for (const auto& field : message)
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            request.body = std::move(message.body());
            request.remote = remote;
            bool keep_alive = message.keep_alive();
            beast::get_lowest_layer(stream).expires_never();
            Response response = co_await async_handle(
                handler, asio::any_io_executor(co_await asio::this_coro::executor),
                std::move(request), asio::use_awaitable_t<Executor>{});
            if (response.drop_connection) co_return;
            keep_alive = keep_alive && !stopping;
            if (!co_await write(stream, response, message.version(), keep_alive)) co_return;
            if (!keep_alive) co_return;
        }
    }

    // Runs `read(token)` with a deadline of our own and says whether the deadline ended it.
    // Beast's stream timeout would close the socket, and a request that took too long is owed
    // a 408 before the close.
    template <class Stream, class Read, class Executor = typename Stream::executor_type>
    asio::awaitable<bool, Executor> read_within(Stream& stream, std::chrono::milliseconds limit,
                                                Read read, error_code& ec) {
        auto& lowest = beast::get_lowest_layer(stream);
        lowest.expires_never();
        // Shared with the timer's handler, which may run after this frame is gone: it touches
        // the socket only while the read it guards is still pending.
        auto armed = std::make_shared<bool>(true);
        auto fired = std::make_shared<bool>(false);
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(limit);
        timer.async_wait([armed, fired, &lowest](const error_code& e) {
            if (e || !*armed) return;
            *fired = true;
            error_code ignored;
            lowest.socket().cancel(ignored);
        });
        co_await read(on_error<Executor>(ec));
        *armed = false;
        timer.cancel();
        // A read that completed as the deadline passed is not late.
        co_return *fired&& ec;
    }

    // Answers a request the server refuses itself, tells on_refused, and leaves the
    // connection to be closed.
    template <class Stream, class Executor = typename Stream::executor_type>
    asio::awaitable<void, Executor> refuse(Stream& stream, int status, std::string_view reason,
                                           std::string_view target, unsigned version,
                                           const std::string& remote) {
        refused(status, target, reason, remote);
        co_await write(stream, error_response(status, reason), version, false);
    }

    template <class Stream, class Executor = typename Stream::executor_type>
    asio::awaitable<bool, Executor> write(Stream& stream, const Response& response,
                                          unsigned version, bool keep_alive) {
        error_code ec;
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        if (response.body.size() <= kCachedBodyLimit) {
            const auto head = small_answer_head(response, version, keep_alive);
            const std::array<asio::const_buffer, 2> message{asio::buffer(*head),
                                                            asio::buffer(response.body)};
            co_await asio::async_write(stream, message, on_error<Executor>(ec));
            co_return !ec;
        }
        auto res = to_beast(response, version, keep_alive);
        co_await http::async_write(stream, res, on_error<Executor>(ec));
        co_return !ec;
    }
};

HttpServer::HttpServer(asio::io_context& io, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::vector<asio::io_context*>{}, std::move(options),
                                   std::move(handler))) {}

HttpServer::HttpServer(asio::io_context& io, std::vector<asio::io_context*> workers,
                       ServerOptions options, Handler handler)
    : impl_(
          std::make_shared<Impl>(io, std::move(workers), std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
    error_code ec;
    impl_->stopping = true;
    impl_->acceptor.close(ec);
}

void HttpServer::start() {
    auto& o = impl_->options;
    const std::string where = o.address + ":" + std::to_string(o.port);
    try {
        if (o.tls_certificate_file && o.tls_private_key_file) {
            impl_->tls.emplace(asio::ssl::context::tls_server);
            impl_->tls->set_options(asio::ssl::context::default_workarounds |
                                    asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                                    asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
            impl_->tls->use_certificate_chain_file(*o.tls_certificate_file);
            impl_->tls->use_private_key_file(*o.tls_private_key_file, asio::ssl::context::pem);
        }
        tcp::endpoint endpoint(asio::ip::make_address(o.address), o.port);
        impl_->acceptor.open(endpoint.protocol());
        impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
        impl_->acceptor.bind(endpoint);
        impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot listen on " + where + ": " + e.what());
    }
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
}

void HttpServer::stop() {
    auto impl = impl_;
    impl->stopping = true;
    // The acceptor belongs to the accept loop, which may be running on another thread.
    asio::post(impl->acceptor.get_executor(), [impl] {
        error_code ec;
        impl->acceptor.close(ec);
    });
    std::lock_guard lock(impl->sessions_mutex);
    for (auto& [id, control] : impl->sessions)
        asio::post(control->executor, [control] {
            if (!control->busy && control->close) control->close();
        });
}

std::uint16_t HttpServer::port() const {
    error_code ec;
    auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? impl_->options.port : ep.port();
}

std::size_t HttpServer::open_connections() const {
    return impl_->session_count();
}

}  // namespace reglament::net
