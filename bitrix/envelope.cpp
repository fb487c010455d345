#include "bitrix/envelope.hpp"

#include <charconv>
#include <cmath>

#include "bitrix/datetime.hpp"
#include "bitrix/redact.hpp"

namespace reglament::bitrix {

using nlohmann::json;

namespace {

constexpr std::size_t body_excerpt_chars = 200;

std::string excerpt(std::string_view body) {
    std::string text = redact_text(body.substr(0, body_excerpt_chars));
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return text;
}

Error unexpected_body(int http_status, std::string_view body, std::string_view why) {
    Error e;
    e.code = codes::unexpected_body;
    e.http_status = http_status;
    e.description = std::string(why);
    if (!body.empty()) e.description += ": " + excerpt(body);
    return e;
}

bool truthy_code(const json& v) {
    if (v.is_string()) return !v.get_ref<const std::string&>().empty();
    if (v.is_number()) return v != 0;
    if (v.is_boolean()) return v.get<bool>();
    return false;
}

std::string code_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    return {};
}

}  // namespace

std::optional<std::int64_t> as_int(const json& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (std::isfinite(d) && std::abs(d) < 9e18) return static_cast<std::int64_t>(d);
        return std::nullopt;
    }
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        std::int64_t out = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc{} && p == s.data() + s.size() && !s.empty()) return out;
    }
    return std::nullopt;
}

std::optional<double> as_double(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty()) return std::nullopt;
        try {
            std::size_t used = 0;
            double d = std::stod(s, &used);
            if (used == s.size() && std::isfinite(d)) return d;
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

TimeInfo parse_time(const json& time) {
    TimeInfo t;
    if (!time.is_object()) return t;
    auto num = [&](const char* key) -> std::optional<double> {
        auto it = time.find(key);
        return it == time.end() ? std::nullopt : as_double(*it);
    };
    t.start = num("start");
    t.finish = num("finish");
    t.duration = num("duration");
    t.processing = num("processing");
    t.operating = num("operating");
    if (auto it = time.find("operating_reset_at"); it != time.end()) {
        if (auto unix_seconds = as_double(*it); unix_seconds && *unix_seconds > 0) {
            t.operating_reset_at = TimePoint(std::chrono::milliseconds(
                static_cast<std::int64_t>(std::llround(*unix_seconds * 1000.0))));
        } else if (it->is_string()) {
            // One doc example shows a date string here (bitrix24.md §1).
            t.operating_reset_at = parse_datetime(it->get_ref<const std::string&>());
        }
    }
    return t;
}

std::optional<Error> error_from(const json& object, int http_status) {
    if (!object.is_object()) return std::nullopt;
    auto err = object.find("error");
    auto desc = object.find("error_description");
    std::string description =
        desc != object.end() && desc->is_string() ? desc->get<std::string>() : std::string{};
    bool has_code = err != object.end() && truthy_code(*err);
    // `"error": ""` / `0` with a description and no result is still an error (crm.lead.get
    // "Not found", bitrix24.md §1); with a result it is noise.
    bool empty_code_error =
        err != object.end() && !has_code && !description.empty() && !object.contains("result");
    if (!has_code && !empty_code_error) return std::nullopt;
    Error e;
    e.http_status = http_status;
    e.description = redact_text(description);
    if (has_code) {
        e.code = code_text(*err);
    } else if (iequals(description, "Not found")) {
        e.code = "NOT_FOUND";  // as the PHP SDK maps it by text
    } else {
        e.code = codes::unknown;
    }
    return e;
}

Envelope parse_envelope(int http_status, std::string_view body) {
    Envelope env;
    env.http_status = http_status;
    json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
        env.error = unexpected_body(http_status, body,
                                    body.empty() ? "empty body" : "body is not a JSON object");
        return env;
    }
    if (auto it = doc.find("time"); it != doc.end()) env.time = parse_time(*it);
    if (auto e = error_from(doc, http_status)) {
        env.error = std::move(e);
        return env;
    }
    auto result = doc.find("result");
    if (result == doc.end()) {
        env.error = unexpected_body(http_status, body, "JSON without result or error");
        return env;
    }
    if (http_status >= 400) {
        // A failure status with a result-looking body: trust the status.
        env.error = Error{"HTTP_" + std::to_string(http_status), "unexpected status with a result",
                          http_status};
        return env;
    }
    env.result = std::move(*result);
    if (auto it = doc.find("total"); it != doc.end()) env.total = as_int(*it);
    if (auto it = doc.find("next"); it != doc.end()) env.next = as_int(*it);
    return env;
}

BatchEnvelope parse_batch(const json& batch_result) {
    BatchEnvelope b;
    if (!batch_result.is_object()) return b;
    // PHP serialises empty maps as [] (bitrix24.md §3), so every member may be an array.
    auto members = [&](const char* key) -> const json* {
        auto it = batch_result.find(key);
        return it == batch_result.end() ? nullptr : &*it;
    };
    if (const json* r = members("result"); r && r->is_object())
        for (auto& [k, v] : r->items())
            b.results.emplace(k, v);
    if (const json* errs = members("result_error")) {
        if (errs->is_object()) {
            for (auto& [k, v] : errs->items()) {
                auto e = error_from(v, 0);
                b.errors.emplace(k, e ? *e : Error{std::string(codes::unknown), "", 0});
            }
        } else if (errs->is_array()) {
            for (const auto& v : *errs)
                if (auto e = error_from(v, 0)) b.unkeyed_errors.push_back(*e);
        }
    }
    if (const json* t = members("result_total"); t && t->is_object())
        for (auto& [k, v] : t->items())
            if (auto n = as_int(v)) b.totals.emplace(k, *n);
    if (const json* n = members("result_next"); n && n->is_object())
        for (auto& [k, v] : n->items())
            if (auto x = as_int(v)) b.nexts.emplace(k, *x);
    if (const json* t = members("result_time"); t && t->is_object())
        for (auto& [k, v] : t->items())
            b.times.emplace(k, parse_time(v));
    return b;
}

}  // namespace reglament::bitrix
