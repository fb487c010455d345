// REST requests: envelope, rate limit, operating budget and batch (bitrix24.md §1–§4).
#include <algorithm>
#include <cctype>

#include "emulator/emulator.hpp"
#include "emulator/listing.hpp"
#include "emulator/rest_error.hpp"
#include "net/form.hpp"

namespace reglament::emulator {

using namespace std::chrono;

Instant system_now() {
    // The emulator's one reading of the wall clock; everything else asks EmulatorClock.
    return floor<milliseconds>(system_clock::now());
}

void EmulatorClock::set(Instant t, bool freeze) {
    if (freeze) {
        frozen_ = t;
    } else {
        frozen_.reset();
        offset_ = duration_cast<milliseconds>(t - real_());
    }
}

void EmulatorClock::advance(milliseconds d) {
    if (frozen_)
        *frozen_ += d;
    else
        offset_ += d;
}

Emulator::Emulator(EmulatorOptions o, std::function<Instant()> real_time)
    : options(std::move(o)),
      clock(std::move(real_time)),
      bucket(options.rate_burst, options.rate_drain) {
    oauth.client_endpoint = options.public_base + "/rest/";
    events.auth.client_endpoint = options.public_base + "/rest/";
}

void Emulator::flush_events(Instant now) {
    for (const auto& e : portal.pending_events)
        events.publish(e, now);
    portal.pending_events.clear();
}

void Emulator::log_call(const std::string& method, int status, Instant now, const json& params) {
    ++rest_counts[method];
    rest_log.push_back({method, status, now, params});
    if (rest_log.size() > 10000) rest_log.pop_front();
}

json Emulator::time_block(const std::string& key, Instant now, double processing) {
    double start = unix_seconds(now);
    json t = {
        {"start", start},
        {"finish", start + processing},
        {"duration", processing},
        {"processing", processing},
        {"date_start", portal.iso(now)},
        {"date_finish", portal.iso(now + milliseconds(static_cast<long long>(processing * 1000)))},
        {"operating", operating.used(key, now)}};
    double reset = operating.reset_at(key, now);
    t["operating_reset_at"] = static_cast<std::int64_t>(reset == 0 ? start + 600 : reset);
    return t;
}

static json error_body(const std::string& code, const std::string& description) {
    return {{"error", code}, {"error_description", description}};
}

RestAnswer Emulator::run_one(const std::string& method, const json& params, const Caller& caller,
                             Instant now, json* time_out, std::optional<std::int64_t>* total,
                             std::optional<std::int64_t>* next) {
    std::string key = caller.credential + "|" + method;
    if (!Portal::knows(method))
        return {400, error_body("ERROR_METHOD_NOT_FOUND", "Method not found!")};
    if (operating.blocked(key, now))
        return {429, error_body("OPERATION_TIME_LIMIT",
                                "Method is blocked due to operation time limit.")};
    try {
        auto r = portal.execute(method, params, caller, now);
        operating.charge(key, r.cost, now);
        flush_events(now);
        *time_out = time_block(key, now, r.cost);
        *total = r.total;
        *next = r.next;
        return {200, std::move(r.result)};
    } catch (const RestError& e) {
        flush_events(now);
        return {e.status, error_body(e.code, e.description)};
    }
}

RestAnswer Emulator::handle_rest(const std::string& method, const json& params,
                                 const Caller& caller, Instant now,
                                 const std::vector<std::string>* batch_order) {
    if (!bucket.admit(now)) {
        log_call(method, 503, now, params);
        return {503, error_body("QUERY_LIMIT_EXCEEDED", "Too many requests")};
    }
    if (method == "batch") {
        auto r = run_batch(params, caller, now, batch_order);
        log_call(method, r.status, now, params);
        return r;
    }
    json time;
    std::optional<std::int64_t> total, next;
    auto r = run_one(method, params, caller, now, &time, &total, &next);
    log_call(method, r.status, now, params);
    if (r.status != 200) return r;
    json body = {{"result", std::move(r.body)}};
    if (total) body["total"] = *total;
    if (next) body["next"] = *next;
    body["time"] = std::move(time);
    return {200, std::move(body)};
}

namespace {

// "cmd_2" before "cmd_10": the fallback order when the sender's order is unknown.
bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) &&
            std::isdigit(static_cast<unsigned char>(b[j]))) {
            std::size_t i2 = i, j2 = j;
            while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2])))
                ++i2;
            while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2])))
                ++j2;
            auto x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
            x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
            y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
            if (x.size() != y.size()) return x.size() < y.size();
            if (x != y) return x < y;
            i = i2;
            j = j2;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

std::string scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
    if (v.is_null()) return "";
    return v.dump();
}

// Replaces $result[key][i][FIELD] with the value from an earlier command's result. A reference
// that cannot be resolved stays as literal text, as on the real portal (bitrix24.md §3). The
// portal decodes a command's query first and resolves references in the decoded values, so a
// reference arrives percent-encoded or not.
std::string substitute(const std::string& cmd, const json& results) {
    std::string out;
    std::size_t pos = 0;
    const std::string marker = "$result[";
    while (true) {
        auto at = cmd.find(marker, pos);
        if (at == std::string::npos) break;
        out.append(cmd, pos, at - pos);
        std::size_t i = at + marker.size() - 1;
        std::vector<std::string> path;
        while (i < cmd.size() && cmd[i] == '[') {
            auto close = cmd.find(']', i);
            if (close == std::string::npos) break;
            path.push_back(cmd.substr(i + 1, close - i - 1));
            i = close + 1;
        }
        const json* node = &results;
        for (const auto& seg : path) {
            if (node->is_object() && node->contains(seg)) {
                node = &(*node)[seg];
            } else if (node->is_array() && !seg.empty() &&
                       std::all_of(seg.begin(), seg.end(), ::isdigit) &&
                       std::stoul(seg) < node->size()) {
                node = &(*node)[std::stoul(seg)];
            } else {
                node = nullptr;
                break;
            }
        }
        if (node && !path.empty() && !node->is_structured())
            out += scalar_text(*node);
        else
            out.append(cmd, at, i - at);
        pos = i;
    }
    out.append(cmd, pos, std::string::npos);
    return out;
}

void substitute_values(json& value, const json& results) {
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (text.find("$result[") != std::string::npos) value = substitute(text, results);
    } else if (value.is_structured()) {
        for (auto& item : value)
            substitute_values(item, results);
    }
}

}  // namespace

RestAnswer Emulator::run_batch(const json& params, const Caller& caller, Instant now,
                               const std::vector<std::string>* order) {
    const json* cmd = param(params, "cmd");
    if (!cmd || !(cmd->is_object() || cmd->is_array()))
        return {400, error_body("INVALID_ARG_VALUE", "cmd is required")};
    bool halt = false;
    if (const json* h = param(params, "halt"))
        halt = scalar_text(*h) == "1" || scalar_text(*h) == "Y" || scalar_text(*h) == "true";
    std::vector<std::pair<std::string, std::string>> commands;
    if (cmd->is_array()) {
        for (std::size_t i = 0; i < cmd->size(); ++i)
            commands.push_back({std::to_string(i), scalar_text((*cmd)[i])});
    } else {
        std::vector<std::string> keys;
        if (order && order->size() == cmd->size()) {
            keys = *order;
        } else {
            for (auto it = cmd->begin(); it != cmd->end(); ++it)
                keys.push_back(it.key());
            std::sort(keys.begin(), keys.end(), natural_less);
        }
        for (const auto& k : keys)
            if (cmd->contains(k)) commands.push_back({k, scalar_text((*cmd)[k])});
    }
    if (commands.size() > 50)
        return {400, error_body("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")};
    json result = json::object(), errors = json::object(), totals = json::object(),
         nexts = json::object(), times = json::object();
    for (const auto& [key, raw] : commands) {
        const std::string& text = raw;
        auto q = text.find('?');
        std::string method = text.substr(0, q);
        json p = json::object();
        try {
            if (q != std::string::npos) p = net::decode_form(std::string_view(text).substr(q + 1));
            substitute_values(p, result);
        } catch (const std::exception& e) {
            errors[key] = error_body("INVALID_REQUEST", e.what());
            if (halt) break;
            continue;
        }
        if (method == "batch") {
            errors[key] = error_body("ERROR_BATCH_METHOD_NOT_ALLOWED",
                                     "Method is not allowed for batch usage");
            if (halt) break;
            continue;
        }
        json time;
        std::optional<std::int64_t> total, next;
        auto r = run_one(method, p, caller, now, &time, &total, &next);
        ++rest_counts[method];
        if (r.status != 200) {
            errors[key] = r.body;
            if (halt) break;
            continue;
        }
        result[key] = std::move(r.body);
        if (total) totals[key] = *total;
        if (next) nexts[key] = *next;
        times[key] = std::move(time);
    }
    // PHP serialises empty maps as [] (bitrix24.md §3).
    auto php = [](json& j) { return j.empty() ? json::array() : j; };
    json body = {{"result",
                  {{"result", php(result)},
                   {"result_error", php(errors)},
                   {"result_total", php(totals)},
                   {"result_next", php(nexts)},
                   {"result_time", php(times)}}}};
    body["time"] = time_block(caller.credential + "|batch", now, kBaseCost);
    return {200, std::move(body)};
}

json rest_params(const net::Request& request, std::vector<std::string>* batch_order) {
    json params = json::object();
    if (!request.query().empty()) params = net::decode_form(request.query());
    if (request.body.empty()) return params;
    auto type = request.header("Content-Type");
    json body;
    if (type.find("json") != std::string_view::npos ||
        (!request.body.empty() && (request.body[0] == '{' || request.body[0] == '['))) {
        auto ordered = nlohmann::ordered_json::parse(request.body, nullptr, false);
        if (ordered.is_discarded())
            throw RestError(400, "INVALID_REQUEST", "Request body is not valid JSON");
        if (batch_order && ordered.is_object() && ordered.contains("cmd") &&
            ordered["cmd"].is_object())
            for (auto it = ordered["cmd"].begin(); it != ordered["cmd"].end(); ++it)
                batch_order->push_back(it.key());
        body = json::parse(ordered.dump());
    } else {
        try {
            body = net::decode_form(request.body);
        } catch (const std::exception& e) {
            throw RestError(400, "INVALID_REQUEST", e.what());
        }
    }
    if (body.is_object())
        for (auto it = body.begin(); it != body.end(); ++it)
            params[it.key()] = it.value();
    return params;
}

}  // namespace reglament::emulator
