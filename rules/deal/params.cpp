#include "rules/deal/params.hpp"

#include <stdexcept>

#include "rules/calendar.hpp"

namespace reglament::rules::deal {

ParamReader::ParamReader(std::string rule_id, const nlohmann::json& table)
    : rule_id_(std::move(rule_id)), table_(table) {
    if (!table_.is_null() && !table_.is_object()) {
        errors_.push_back("rules." + rule_id_ + ": expected a table");
        table_ = nlohmann::json::object();
    }
}

std::string ParamReader::path(std::string_view key) const {
    return "rules." + rule_id_ + "." + std::string(key);
}

void ParamReader::error(std::string_view key, std::string_view message) {
    errors_.push_back(path(key) + ": " + std::string(message));
}

const nlohmann::json* ParamReader::find(std::string_view key) {
    seen_.insert(std::string(key));
    if (!table_.is_object()) return nullptr;
    auto it = table_.find(std::string(key));
    return it == table_.end() ? nullptr : &*it;
}

void ParamReader::remember(std::string_view key, const nlohmann::json* given,
                           nlohmann::json fallback) {
    effective_[std::string(key)] = given ? *given : std::move(fallback);
}

std::string ParamReader::text(std::string_view key, std::string_view fallback) {
    const auto* v = find(key);
    remember(key, v, std::string(fallback));
    if (!v) return std::string(fallback);
    if (!v->is_string()) {
        error(key, "expected a string");
        return std::string(fallback);
    }
    return v->get<std::string>();
}

std::string ParamReader::required_text(std::string_view key, std::string_view fallback) {
    auto value = text(key, fallback);
    if (value.empty()) error(key, "expected a non-empty string");
    return value;
}

bool ParamReader::boolean(std::string_view key, bool fallback) {
    const auto* v = find(key);
    remember(key, v, fallback);
    if (!v) return fallback;
    if (!v->is_boolean()) {
        error(key, "expected true or false");
        return fallback;
    }
    return v->get<bool>();
}

int ParamReader::integer(std::string_view key, int fallback, int min, int max) {
    const auto* v = find(key);
    remember(key, v, fallback);
    if (!v) return fallback;
    if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max) {
        error(key,
              "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
        return fallback;
    }
    return v->get<int>();
}

double ParamReader::number(std::string_view key, double fallback, double min, double max) {
    const auto* v = find(key);
    remember(key, v, fallback);
    if (!v) return fallback;
    if (!v->is_number() || v->get<double>() < min || v->get<double>() > max) {
        error(key, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
        return fallback;
    }
    return v->get<double>();
}

std::chrono::minutes ParamReader::time_of_day(std::string_view key, std::string_view fallback) {
    const auto* v = find(key);
    remember(key, v, std::string(fallback));
    std::string text = std::string(fallback);
    if (v) {
        if (v->is_string())
            text = v->get<std::string>();
        else
            text.clear();
    }
    try {
        if (text.size() != 5) throw std::invalid_argument("length");
        return parse_hh_mm(text);
    } catch (const std::invalid_argument&) {
        error(key, "expected HH:MM");
        return parse_hh_mm(fallback);
    }
}

std::vector<std::string> ParamReader::text_list(std::string_view key,
                                                std::vector<std::string> fallback,
                                                std::size_t exact_size) {
    const auto* v = find(key);
    remember(key, v, fallback);
    if (!v) return fallback;
    bool ok = v->is_array();
    if (ok)
        for (const auto& item : *v)
            ok = ok && item.is_string() && !item.get<std::string>().empty();
    if (!ok) {
        error(key, "expected a list of non-empty strings");
        return fallback;
    }
    if (exact_size != 0 && v->size() != exact_size) {
        error(key, "expected exactly " + std::to_string(exact_size) + " strings");
        return fallback;
    }
    return v->get<std::vector<std::string>>();
}

std::vector<int> ParamReader::int_list(std::string_view key, std::vector<int> fallback) {
    const auto* v = find(key);
    remember(key, v, fallback);
    if (!v) return fallback;
    bool ok = v->is_array() && !v->empty();
    if (ok)
        for (const auto& item : *v)
            ok = ok && item.is_number_integer() && item.get<long long>() >= 0 &&
                 item.get<long long>() <= 100;
    if (!ok) {
        error(key, "expected a non-empty list of integers from 0 to 100");
        return fallback;
    }
    return v->get<std::vector<int>>();
}

std::vector<std::pair<std::string, std::string>> ParamReader::text_pairs(
    std::string_view key, std::vector<std::pair<std::string, std::string>> fallback) {
    const auto* v = find(key);
    nlohmann::json table = nlohmann::json::object();
    for (const auto& [code, label] : fallback)
        table[code] = label;
    remember(key, v, table);
    if (!v) return fallback;
    bool ok = v->is_object() && !v->empty();
    if (ok)
        for (const auto& [k, item] : v->items())
            ok = ok && !k.empty() && item.is_string();
    if (!ok) {
        error(key, "expected a table of field code = \"label\"");
        return fallback;
    }
    std::vector<std::pair<std::string, std::string>> out;
    // Defaults first in their order, then any further codes: a label text stays readable.
    for (const auto& [code, label] : fallback)
        if (v->contains(code)) out.emplace_back(code, (*v)[code].get<std::string>());
    for (const auto& [k, item] : v->items()) {
        bool known = false;
        for (const auto& [code, label] : out)
            known = known || code == k;
        if (!known) out.emplace_back(k, item.get<std::string>());
    }
    return out;
}

std::vector<std::string> ParamReader::finish() {
    if (table_.is_object())
        for (const auto& [k, v] : table_.items())
            if (k != "enabled" && k != "dry_run" && !seen_.count(k))
                errors_.push_back(path(k) + ": unknown parameter");
    return errors_;
}

std::string fill_text(std::string_view text, const std::map<std::string, std::string>& values) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto open = text.find('{', i);
        if (open == std::string_view::npos) break;
        auto close = text.find('}', open);
        if (close == std::string_view::npos) break;
        out.append(text.substr(i, open - i));
        auto it = values.find(std::string(text.substr(open + 1, close - open - 1)));
        if (it != values.end())
            out += it->second;
        else
            out.append(text.substr(open, close - open + 1));
        i = close + 1;
    }
    out.append(text.substr(i));
    return out;
}

}  // namespace reglament::rules::deal
