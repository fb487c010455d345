#include "bitrix/fields.hpp"

#include <cmath>

#include "bitrix/datetime.hpp"
#include "bitrix/envelope.hpp"
#include "bitrix/error.hpp"

namespace reglament::bitrix {

using nlohmann::json;

namespace {

std::optional<std::string> scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (std::floor(d) == d && std::abs(d) < 9e15)
            return std::to_string(static_cast<long long>(d));
        return v.dump();
    }
    if (v.is_boolean()) return std::string(v.get<bool>() ? "Y" : "N");
    return std::nullopt;
}

}  // namespace

bool is_empty(const json& v) {
    if (v.is_null()) return true;
    if (v.is_string()) return v.get_ref<const std::string&>().empty();
    if (v.is_boolean()) return !v.get<bool>();
    if (v.is_array() || v.is_object()) return v.empty();
    return false;
}

const json* find_field(const json& obj, std::initializer_list<std::string_view> keys) {
    if (!obj.is_object()) return nullptr;
    for (auto key : keys) {
        auto it = obj.find(key);
        if (it != obj.end() && !is_empty(*it)) return &*it;
    }
    return nullptr;
}

std::optional<std::string> text_field(const json& obj,
                                      std::initializer_list<std::string_view> keys) {
    const json* v = find_field(obj, keys);
    return v ? scalar_text(*v) : std::nullopt;
}

std::string text_or_empty(const json& obj, std::initializer_list<std::string_view> keys) {
    return text_field(obj, keys).value_or(std::string{});
}

std::optional<long long> int_field(const json& obj, std::initializer_list<std::string_view> keys) {
    const json* v = find_field(obj, keys);
    if (!v) return std::nullopt;
    auto n = as_int(*v);
    return n ? std::optional<long long>(*n) : std::nullopt;
}

std::optional<double> number_field(const json& obj, std::initializer_list<std::string_view> keys) {
    const json* v = find_field(obj, keys);
    return v ? as_double(*v) : std::nullopt;
}

std::optional<bool> flag_field(const json& obj, std::initializer_list<std::string_view> keys) {
    if (!obj.is_object()) return std::nullopt;
    for (auto key : keys) {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) continue;
        if (it->is_boolean()) return it->get<bool>();
        if (it->is_number()) return *it != 0;
        if (it->is_string()) {
            const auto& s = it->get_ref<const std::string&>();
            if (iequals(s, "Y") || s == "1" || iequals(s, "true")) return true;
            if (iequals(s, "N") || s == "0" || iequals(s, "false")) return false;
        }
    }
    return std::nullopt;
}

std::optional<TimePoint> time_field(const json& obj, std::initializer_list<std::string_view> keys) {
    const json* v = find_field(obj, keys);
    if (!v || !v->is_string()) return std::nullopt;
    return parse_datetime(v->get_ref<const std::string&>());
}

std::vector<std::string> list_field(const json& obj, std::initializer_list<std::string_view> keys) {
    std::vector<std::string> out;
    const json* v = find_field(obj, keys);
    if (!v) return out;
    if (v->is_array() || v->is_object()) {
        for (const auto& item : *v)
            if (auto t = scalar_text(item); t && !t->empty()) out.push_back(*t);
    } else if (auto t = scalar_text(*v)) {
        out.push_back(*t);
    }
    return out;
}

}  // namespace reglament::bitrix
