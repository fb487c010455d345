// Tolerant readers for fields of Wazzup JSON objects: a field that is absent, null or of
// another type reads as empty, so unknown or changed fields never break a parse.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wazzup/expected.hpp"

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

// A list answer: a bare array, or {data:[...]} as some routes and accounts send (§5, §8.5).
// `what` names it in the reason ("channel list is not JSON").
inline Expected<nlohmann::json> json_list(std::string_view body, const std::string& what) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) return Expected<nlohmann::json>::fail(what + " is not JSON");
    if (json.is_object() && json.contains("data")) json = json["data"];
    if (!json.is_array()) return Expected<nlohmann::json>::fail(what + " is not a JSON array");
    return Expected<nlohmann::json>::ok(std::move(json));
}

}  // namespace reglament::wazzup
