// Which part of the emulator an HTTP request is for, and the REST addressing forms
// (bitrix24.md §1): /rest/<user>/<secret>/<method>[.json] and /rest/<method>?auth=<token>.
#include "emulator/emulator.hpp"
#include "emulator/rest_error.hpp"
#include "net/form.hpp"

namespace reglament::emulator {

namespace {

net::Response json_response(int status, const json& body) {
    return net::Response::json(status, body.is_null() ? std::string() : body.dump());
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        auto j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) out.emplace_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

}  // namespace

HttpOutcome Emulator::handle_http(const net::Request& request) {
    Instant now = clock.now();
    std::string path(request.path());
    HttpOutcome out;
    if (path.rfind("/_emulator/", 0) == 0) {
        out.response = control(request);
        return out;
    }
    if (path == "/oauth/token/" || path == "/oauth/token") {
        json p = request.query().empty() ? json::object() : net::decode_form(request.query());
        if (!request.body.empty()) {
            try {
                json form = net::decode_form(request.body);
                for (auto it = form.begin(); it != form.end(); ++it)
                    p[it.key()] = it.value();
            } catch (...) {
            }
        }
        auto a = oauth.token_endpoint(p, now);
        out.response = json_response(a.status, a.body);
        return out;
    }
    if (path.rfind("/v3/", 0) == 0) {
        // A Wazzup fault is set by the route's path ("/v3/message"), never by "*": "500" answers
        // without taking the request; "slow" takes it and holds the answer; "drop" takes it and
        // closes the connection unanswered (the answer is lost, the message went).
        std::optional<Fault> fault;
        if (auto it = faults.find(path); it != faults.end()) {
            fault = it->second;
            if (it->second.remaining > 0 && --it->second.remaining == 0) faults.erase(it);
        }
        if (fault && fault->kind == "500") {
            out.response = json_response(
                500, {{"error", "UNKNOWN_ERROR"}, {"description", "Internal server error"}});
            return out;
        }
        auto a = wazzup.handle(request.method, path, std::string(request.query()),
                               std::string(request.header("Authorization")), request.body, now);
        if (a.test_url) {
            out.webhook_test_url = a.test_url;
            return out;
        }
        out.response = json_response(a.status, a.body);
        if (fault && fault->kind == "slow") out.delay = fault->delay;
        if (fault && fault->kind == "drop") out.drop = true;
        return out;
    }
    if (path.rfind("/rest/", 0) == 0) return handle_rest_http(request, now);
    out.response =
        json_response(404, {{"error", "NOT_FOUND"}, {"error_description", "Unknown address"}});
    return out;
}

HttpOutcome Emulator::handle_rest_http(const net::Request& request, Instant now) {
    HttpOutcome out;
    auto parts = split_path(request.path());  // "rest", ...
    std::string method;
    Caller caller;
    std::vector<std::string> order;
    json params;
    try {
        params = rest_params(request, &order);
    } catch (const RestError& e) {
        out.response =
            json_response(e.status, {{"error", e.code}, {"error_description", e.description}});
        return out;
    }
    auto strip = [](std::string m) {
        if (m.size() > 5 && m.compare(m.size() - 5, 5, ".json") == 0) m.resize(m.size() - 5);
        return m;
    };
    if (parts.size() == 4) {
        method = strip(parts[3]);
        bool user_ok = parts[1] == std::to_string(options.webhook_user);
        if (!user_ok || parts[2] != options.webhook_secret) {
            out.response = json_response(401, {{"error", "NO_AUTH_FOUND"},
                                               {"error_description", "Wrong authorization data"}});
            return out;
        }
        caller = {options.webhook_user, "webhook:" + parts[1]};
    } else if (parts.size() == 2) {
        method = strip(parts[1]);
        std::string token = params.contains("auth") && params["auth"].is_string()
                                ? params["auth"].get<std::string>()
                                : "";
        params.erase("auth");
        Id user = 0;
        auto check = oauth.check_access(token, now, user);
        if (check == OAuthServer::Check::expired) {
            out.response = json_response(
                401, {{"error", "expired_token"},
                      {"error_description", "The access token provided has expired."}});
            return out;
        }
        if (check == OAuthServer::Check::unknown) {
            out.response = json_response(401, {{"error", "NO_AUTH_FOUND"},
                                               {"error_description", "Wrong authorization data"}});
            return out;
        }
        caller = {user, "app:" + std::to_string(user)};
    } else {
        out.response = json_response(
            400, {{"error", "ERROR_METHOD_NOT_FOUND"}, {"error_description", "Method not found!"}});
        return out;
    }
    auto fault = faults.find(method);
    if (fault == faults.end()) fault = faults.find("*");
    if (fault != faults.end()) {
        Fault f = fault->second;
        if (fault->second.remaining > 0 && --fault->second.remaining == 0) faults.erase(fault);
        if (f.kind == "500") {
            out.response = json_response(500, {{"error", "INTERNAL_SERVER_ERROR"},
                                               {"error_description", "Internal server error"}});
            return out;
        }
        if (f.kind == "html") {
            // Overload answers can be HTML rather than JSON (bitrix24.md §1, fast_bitrix24#216).
            out.response = net::Response::text(502,
                                               "<html><head><title>502 Bad Gateway</title></head>"
                                               "<body><h1>502 Bad Gateway</h1></body></html>");
            out.response.headers = {{"Content-Type", "text/html; charset=UTF-8"}};
            return out;
        }
        if (f.kind == "drop") {
            out.drop = true;
            return out;
        }
        if (f.kind == "redirect") {
            out.response = net::Response::text(302, "");
            out.response.headers = {{"Location", f.location + request.target}};
            return out;
        }
        if (f.kind == "slow") out.delay = f.delay;
    }
    auto a = handle_rest(method, params, caller, now, order.empty() ? nullptr : &order);
    out.response = json_response(a.status, a.body);
    return out;
}

net::Response Emulator::finish_webhook_test(const std::string& url, int status) {
    json patch = json::parse(wazzup.pending_patch_body, nullptr, false);
    auto a = wazzup.finish_webhook_test(url, patch.is_discarded() ? json::object() : patch, status);
    return json_response(a.status, a.body);
}

std::vector<Outbound> Emulator::take_outbound() {
    Instant now = clock.now();
    flush_events(now);
    std::vector<Outbound> out;
    for (auto& d : events.take_due(now)) {
        out.push_back({d.url, "application/x-www-form-urlencoded", std::move(d.body), "event"});
        ++delivered_events;
    }
    // Wazzup's literal content type, with its typo (wazzup.md §4.2).
    for (auto& w : wazzup.take_due(now))
        out.push_back({w.url, "application/json; charset-utf-8", w.body.dump(), "wazzup"});
    return out;
}

}  // namespace reglament::emulator
