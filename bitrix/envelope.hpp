// What a Bitrix24 REST answer says, read defensively (bitrix24.md §1 "Success response shape",
// "Error response shape", §3 batch response): `error` may be "", 0 or missing, the body may be
// HTML, every `time` field is optional, `next: 0` is legitimate. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/error.hpp"
#include "rules/clock.hpp"

namespace reglament::bitrix {

// The `time` object; any field may be absent (D api-reference/data-types.md#time).
struct TimeInfo {
    std::optional<double> start;
    std::optional<double> finish;
    std::optional<double> duration;
    std::optional<double> processing;
    std::optional<double> operating;  // seconds used by this method over the last 10 minutes
    // When the oldest one-minute basket drops out; unix number or (once seen) a date string.
    std::optional<TimePoint> operating_reset_at;
};

TimeInfo parse_time(const nlohmann::json& time);

struct Envelope {
    int http_status = 0;
    std::optional<Error> error;  // set: the call failed (result is null then)
    nlohmann::json result;       // the `result` member as sent
    TimeInfo time;
    std::optional<std::int64_t> total;
    std::optional<std::int64_t> next;  // present only when more pages exist; 0 is a value

    bool ok() const { return !error.has_value(); }
};

// Parses one HTTP answer. Never throws: anything unusable becomes an Error, a body that is not
// JSON one with code UNEXPECTED_BODY keeping the first 200 characters (secrets redacted).
Envelope parse_envelope(int http_status, std::string_view body);

// Reads {"error": ..., "error_description": ...} when it denotes an error; nullopt otherwise.
std::optional<Error> error_from(const nlohmann::json& object, int http_status);

// The `result` of a `batch` call: per-command results, errors, totals, nexts and times.
struct BatchEnvelope {
    std::map<std::string, nlohmann::json> results;
    std::map<std::string, Error> errors;
    // `result_error` sometimes arrives as a keyless array (bitrix24.md §3): those errors cannot
    // be matched to commands and are kept here.
    std::vector<Error> unkeyed_errors;
    std::map<std::string, std::int64_t> totals;
    std::map<std::string, std::int64_t> nexts;
    std::map<std::string, TimeInfo> times;
};

BatchEnvelope parse_batch(const nlohmann::json& batch_result);

// Numbers that may arrive as JSON numbers or numeric strings; nullopt for anything else.
std::optional<std::int64_t> as_int(const nlohmann::json& v);
std::optional<double> as_double(const nlohmann::json& v);

}  // namespace reglament::bitrix
