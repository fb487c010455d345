// Reading loosely typed REST values the way Bitrix24 does ("5" and 5 are the same id, "Y",
// "1" and true the same flag) and writing them its way (ids as strings).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/timefmt.hpp"

namespace reglament::emulator {

inline std::string id_str(std::int64_t v) {
    return std::to_string(v);
}
inline std::string yn(bool b) {
    return b ? "Y" : "N";
}

inline std::string text_of(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    if (v.is_boolean()) return v.get<bool>() ? "Y" : "N";
    return v.dump();
}

inline std::int64_t id_of(const nlohmann::json& v) {
    try {
        if (v.is_number()) return v.get<std::int64_t>();
        if (v.is_string() && !v.get<std::string>().empty()) return std::stoll(v.get<std::string>());
    } catch (...) {
    }
    return 0;
}

inline double num_of(const nlohmann::json& v) {
    try {
        if (v.is_number()) return v.get<double>();
        if (v.is_string() && !v.get<std::string>().empty()) return std::stod(v.get<std::string>());
    } catch (...) {
    }
    return 0;
}

inline bool flag_of(const nlohmann::json& v) {
    if (v.is_boolean()) return v.get<bool>();
    auto s = text_of(v);
    return s == "Y" || s == "1" || s == "true";
}

// Fields of control-API and scenario objects, with a fallback when absent or null.
inline std::string text_field(const nlohmann::json& b, const char* k, std::string fallback = "") {
    auto it = b.find(k);
    if (it == b.end() || it->is_null()) return fallback;
    return it->is_string() ? it->get<std::string>() : it->dump();
}

inline std::int64_t int_field(const nlohmann::json& b, const char* k, std::int64_t fallback = 0) {
    auto it = b.find(k);
    if (it == b.end() || it->is_null()) return fallback;
    if (it->is_number()) return it->get<std::int64_t>();
    if (it->is_string()) return std::stoll(it->get<std::string>());
    return fallback;
}

// Removes and returns the queued items whose `due` time has come, keeping the others' order.
template <class T>
std::vector<T> take_due_items(std::deque<T>& queue, Instant now) {
    std::vector<T> out;
    for (auto it = queue.begin(); it != queue.end();) {
        if (it->due <= now) {
            out.push_back(std::move(*it));
            it = queue.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

}  // namespace reglament::emulator
