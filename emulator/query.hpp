// List queries as Bitrix24 list methods take them: filter with key prefixes
// (= ! != > >= < <= @ !@ % =% %= !% >< !><), order, select and 50-row pages with
// start/next/total, start=-1 meaning "no count" (bitrix24.md §4, §7).
// Rows are read through a table of fields so one implementation serves every entity.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reglament::emulator {

using json = nlohmann::json;

enum class Kind {
    Int,  // ids and counters; written as strings by legacy methods
    Num,  // money
    Str,
    Flag,  // "Y"/"N"
    Date,  // compared as instants
    List,  // several values (UF_DEPARTMENT, PHONE, UF_CRM_TASK); matches when any matches
};

template <class Row>
struct Field {
    std::string name;   // UPPER_CASE as legacy methods spell it
    std::string camel;  // as crm.item.* and tasks output spell it
    Kind kind;
    std::function<json(const Row&)> get;  // the legacy output value (strings for ids)
    bool in_default = true;               // part of "*" (multifields and UF are not)
};

struct Condition {
    std::string
        op;  // "=", "!=", ">", ">=", "<", "<=", "@", "!@", "%", "!%", "=%", "!=%", "><", "!><"
    std::string field;
    json value;
};

// Splits "!@STATUS_ID" into op and field. Unknown fields are rejected by the caller.
Condition parse_condition(const std::string& key, json value);
std::vector<Condition> parse_filter(const json& filter);

// One row value against one condition. `offset` is the portal's UTC offset in minutes, used
// for dates written without one.
bool matches(Kind kind, const json& row_value, const Condition& c, int offset);

// -1 when a < b, 0 equal, 1 greater; typed by kind.
int compare_values(Kind kind, const json& a, const json& b, int offset);

struct Page {
    std::int64_t start = 0;  // -1: the caller asked not to count
    static constexpr std::int64_t size = 50;
};
std::int64_t parse_start(const json& params);

// Legacy output value turned into crm.item.* / tasks output: ints for Int, the rest as is.
json camel_value(Kind kind, const json& legacy);

// "UF_CRM_PHONE_2" -> "ufCrmPhone_2"-style name used by crm.item.* (bitrix24.md §6).
std::string uf_camel(const std::string& uf_name);

}  // namespace reglament::emulator
