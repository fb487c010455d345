// Reading single fields out of Bitrix24 objects whatever shape the portal chose
// (bitrix24.md §1): ids as strings or numbers, "empty" as null, "", false, [] or {}, the same
// field UPPER_CASE in legacy methods and camelCase in crm.item.* / tasks.task.*.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/clock.hpp"

namespace reglament::bitrix {

// null, "", false, [], {} (and "0" is not empty: it is a value).
bool is_empty(const nlohmann::json& v);

// The first key of `keys` that holds a non-empty value, or nullptr.
const nlohmann::json* find_field(const nlohmann::json& obj,
                                 std::initializer_list<std::string_view> keys);

// Scalars as text: strings as they are, integers without a decimal point, booleans "Y"/"N".
std::optional<std::string> text_field(const nlohmann::json& obj,
                                      std::initializer_list<std::string_view> keys);
std::string text_or_empty(const nlohmann::json& obj, std::initializer_list<std::string_view> keys);
std::optional<long long> int_field(const nlohmann::json& obj,
                                   std::initializer_list<std::string_view> keys);
std::optional<double> number_field(const nlohmann::json& obj,
                                   std::initializer_list<std::string_view> keys);
// "Y"/"N", true/false, 1/0, "1"/"0".
std::optional<bool> flag_field(const nlohmann::json& obj,
                               std::initializer_list<std::string_view> keys);
std::optional<TimePoint> time_field(const nlohmann::json& obj,
                                    std::initializer_list<std::string_view> keys);
// A scalar or a list of scalars as a list of strings ([1] -> {"1"}, "5" -> {"5"}).
std::vector<std::string> list_field(const nlohmann::json& obj,
                                    std::initializer_list<std::string_view> keys);

}  // namespace reglament::bitrix
