#include "rules/params.hpp"

#include <algorithm>

namespace reglament::rules {

using nlohmann::json;

Params::Params(std::string rule_id, const json& table)
    : rule_id_(std::move(rule_id)), table_(table.is_null() ? json::object() : table) {
    if (!table_.is_object()) {
        errors_.push_back("rules." + rule_id_ + ": expected a table");
        table_ = json::object();
    }
}

std::string Params::path(std::string_view key) const {
    return "rules." + rule_id_ + "." + std::string(key);
}

void Params::error(std::string_view key, std::string_view message) {
    error_at(path(key), message);
}

void Params::error_at(const std::string& full_path, std::string_view message) {
    errors_.push_back(full_path + ": " + std::string(message));
}

void Params::warn_at(const std::string& full_path, std::string_view message) {
    warnings_.push_back(full_path + ": " + std::string(message));
}

const json* Params::find(std::string_view key) {
    seen_.emplace(key);
    auto it = table_.find(std::string(key));
    return it == table_.end() ? nullptr : &*it;
}

const json* Params::raw(std::string_view key) {
    return find(key);
}

bool Params::boolean_value(std::string_view key, bool fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) {
        error(key, "expected true or false");
        return fallback;
    }
    return v->get<bool>();
}

int Params::positive_int_value(std::string_view key, int fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number_integer() || v->get<long long>() <= 0 || v->get<long long>() > 1'000'000) {
        error(key, "expected a positive integer");
        return fallback;
    }
    return v->get<int>();
}

int Params::non_negative_int_value(std::string_view key, int fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number_integer() || v->get<long long>() < 0 || v->get<long long>() > 1'000'000) {
        error(key, "expected an integer, 0 or more");
        return fallback;
    }
    return v->get<int>();
}

std::chrono::minutes Params::positive_minutes(std::string_view key, int fallback) {
    return std::chrono::minutes(positive_int(key, fallback));
}

std::string Params::text_value(std::string_view key, std::string_view fallback) {
    const json* v = find(key);
    if (!v) return std::string(fallback);
    if (!v->is_string()) {
        error(key, "expected a string");
        return std::string(fallback);
    }
    return v->get<std::string>();
}

std::string Params::required_text_value(std::string_view key, std::string_view fallback) {
    const json* v = find(key);
    if (!v) return std::string(fallback);
    if (!v->is_string() || v->get<std::string>().empty()) {
        error(key, "expected a non-empty string");
        return std::string(fallback);
    }
    return v->get<std::string>();
}

std::vector<std::string> Params::text_list_value(std::string_view key,
                                                 std::vector<std::string> fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    bool ok = v->is_array() && std::all_of(v->begin(), v->end(), [](const json& e) {
                  return e.is_string() && !e.get<std::string>().empty();
              });
    if (!ok) {
        error(key, "expected an array of non-empty strings");
        return fallback;
    }
    return v->get<std::vector<std::string>>();
}

std::string Params::one_of_value(std::string_view key, std::string_view fallback,
                                 const std::vector<std::string>& choices) {
    const json* v = find(key);
    if (!v) return std::string(fallback);
    if (v->is_string() &&
        std::find(choices.begin(), choices.end(), v->get<std::string>()) != choices.end())
        return v->get<std::string>();
    std::string list;
    for (const auto& c : choices) {
        if (!list.empty()) list += ", ";
        list += '"';
        list += c;
        list += '"';
    }
    error(key, "expected one of " + list);
    return std::string(fallback);
}

bool Params::boolean(std::string_view key, bool fallback) {
    auto value = boolean_value(key, fallback);
    record(key, value);
    return value;
}

int Params::positive_int(std::string_view key, int fallback) {
    auto value = positive_int_value(key, fallback);
    record(key, value);
    return value;
}

int Params::non_negative_int(std::string_view key, int fallback) {
    auto value = non_negative_int_value(key, fallback);
    record(key, value);
    return value;
}

std::string Params::text(std::string_view key, std::string_view fallback) {
    auto value = text_value(key, fallback);
    record(key, value);
    return value;
}

std::string Params::required_text(std::string_view key, std::string_view fallback) {
    auto value = required_text_value(key, fallback);
    record(key, value);
    return value;
}

std::string Params::one_of(std::string_view key, std::string_view fallback,
                           const std::vector<std::string>& choices) {
    auto value = one_of_value(key, fallback, choices);
    record(key, value);
    return value;
}

std::vector<std::string> Params::text_list(std::string_view key,
                                           std::vector<std::string> fallback) {
    auto value = text_list_value(key, std::move(fallback));
    record(key, value);
    return value;
}

void Params::record(std::string_view key, json value) {
    effective_[std::string(key)] = std::move(value);
}

std::vector<std::string> Params::finish() {
    for (const auto& [key, value] : table_.items())
        if (key != "enabled" && key != "dry_run" && !seen_.count(key))
            error(key, "unknown parameter");
    return errors_;
}

std::string fill(std::string_view text, const std::map<std::string, std::string>& values) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '{') {
            auto close = text.find('}', i);
            if (close != std::string_view::npos) {
                auto it = values.find(std::string(text.substr(i + 1, close - i - 1)));
                if (it != values.end()) {
                    out += it->second;
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

}  // namespace reglament::rules
