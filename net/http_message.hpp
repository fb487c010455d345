// Plain HTTP request/response values shared by the server and the clients.
// Kept free of Beast and Asio so that code which only builds or inspects messages
// (handlers, parsers, tests) compiles quickly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reglament::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; empty when absent.
std::string_view find_header(const Headers& headers, std::string_view name);

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query as sent: "/rest/1/abc/crm.lead.get?id=1"
    Headers headers;
    std::string body;
    std::string remote;  // peer address, for logs

    std::string_view path() const;   // target without the query
    std::string_view query() const;  // after '?', without it; empty when none
    std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct Response {
    int status = 200;
    Headers headers;  // Content-Type goes here too
    std::string body;
    // Close the connection without answering: fault injection (a request that reached the
    // server but whose answer was lost).
    bool drop_connection = false;

    std::string_view header(std::string_view name) const { return find_header(headers, name); }

    static Response json(int status, std::string body);
    static Response text(int status, std::string body);
};

// Splits "http[s]://host[:port]/path?query" into parts. Throws std::invalid_argument
// with the reason when the URL cannot be used.
struct Url {
    std::string scheme;  // "http" or "https"
    std::string host;
    std::uint16_t port = 0;
    std::string target;  // "/path?query", "/" when empty

    static Url parse(std::string_view url);
    std::string origin() const;  // scheme://host[:port]
};

// Percent-decoding ('+' becomes a space when form is true). Invalid escapes are kept as text.
std::string percent_decode(std::string_view s, bool form = true);
// Percent-encoding of everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);

}  // namespace reglament::net
