// application/x-www-form-urlencoded bodies with PHP bracket keys, as Bitrix24 sends events
// ("data[FIELDS][ID]=5&auth[domain]=x") and as batch commands are written
// ("filter[>ID]=5&select[]=ID"). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reglament::net {

// Decodes into nested objects: "a[b][c]=1" -> {"a":{"b":{"c":"1"}}}; "a[]=1&a[]=2" ->
// {"a":["1","2"]}. Every leaf is a string. A key that is both a leaf and a container keeps the
// container. Throws std::invalid_argument on a malformed key (unbalanced brackets).
nlohmann::json decode_form(std::string_view body);

// The inverse, like PHP's http_build_query: nested objects and arrays become bracket keys
// (arrays with numeric indexes), booleans "1"/"0", null an empty value.
std::string encode_form(const nlohmann::json& params);

}  // namespace reglament::net
