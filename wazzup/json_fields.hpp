// Tolerant readers for fields of Wazzup JSON objects: a field that is absent, null or of
// another type reads as empty, so unknown or changed fields never break a parse.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace reglament::wazzup {

inline std::string string_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
    return {};
}

// Booleans arrive as true/false and, in some documented examples, as "true"/"false" (§4.1).
inline bool bool_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return false;
    auto it = object.find(key);
    if (it == object.end()) return false;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) return it->get_ref<const std::string&>() == "true";
    return false;
}

}  // namespace reglament::wazzup
