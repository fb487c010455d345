#include "emulator/query.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "emulator/rest_error.hpp"
#include "emulator/timefmt.hpp"

namespace reglament::emulator {

namespace {

// Longest prefixes first so "!=%" is not read as "!".
constexpr std::array<const char*, 16> kOps = {
    "!=%", "!%=", "!><", "!@", "!=", "!%", ">=", "<=", "=%", "%=", "><", ">", "<", "@", "%", "!"};

std::string as_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "Y" : "N";
    if (v.is_null()) return "";
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (d == std::floor(d)) return std::to_string(static_cast<long long>(d));
    }
    return v.dump();
}

std::optional<double> as_number(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (!v.is_string()) return std::nullopt;
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return d;
}

std::string flag_text(const json& v) {
    if (v.is_boolean()) return v.get<bool>() ? "Y" : "N";
    std::string s = as_text(v);
    if (s == "1" || s == "true" || s == "y") return "Y";
    if (s == "0" || s == "false" || s == "n" || s.empty()) return "N";
    return s;
}

std::string lower(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// SQL LIKE with '%' wildcards, case-insensitive for ASCII.
bool like(const std::string& text, const std::string& pattern) {
    std::string t = lower(text), p = lower(pattern);
    std::size_t ti = 0, pi = 0, star = std::string::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '%') {
            star = pi++;
            mark = ti;
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star != std::string::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '%')
        ++pi;
    return pi == p.size();
}

// Compares one scalar row value with one scalar filter value under `kind`. nullopt when the
// filter value cannot be read as that kind (an unparseable date matches nothing).
std::optional<int> cmp_scalar(Kind kind, const json& a, const json& b, int offset) {
    switch (kind) {
        case Kind::Int:
        case Kind::Num: {
            auto x = as_number(a), y = as_number(b);
            if (!y) return std::nullopt;
            if (!x) return -1;
            return *x < *y ? -1 : (*x > *y ? 1 : 0);
        }
        case Kind::Date: {
            auto y = parse_instant(as_text(b), offset);
            if (!y) return std::nullopt;
            auto x = parse_instant(as_text(a), offset);
            if (!x) return -1;
            return *x < *y ? -1 : (*x > *y ? 1 : 0);
        }
        case Kind::Flag: {
            auto x = flag_text(a), y = flag_text(b);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        case Kind::Str:
        case Kind::List: {
            auto x = as_text(a), y = as_text(b);
            return x < y ? -1 : (x > y ? 1 : 0);
        }
    }
    return std::nullopt;
}

bool scalar_matches(Kind kind, const json& v, const std::string& op, const json& value,
                    int offset) {
    if (op == "@") {
        if (!value.is_array()) return scalar_matches(kind, v, "=", value, offset);
        return std::any_of(value.begin(), value.end(),
                           [&](const json& x) { return scalar_matches(kind, v, "=", x, offset); });
    }
    if (op == "%") return as_text(v).size() && like(as_text(v), "%" + as_text(value) + "%");
    if (op == "=%" || op == "%=") return like(as_text(v), as_text(value));
    if (op == "><") {
        if (!value.is_array() || value.size() != 2) return false;
        auto lo = cmp_scalar(kind, v, value[0], offset), hi = cmp_scalar(kind, v, value[1], offset);
        return lo && hi && *lo >= 0 && *hi <= 0;
    }
    if (op == "=" &&
        (value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty())))
        return v.is_null() || as_text(v).empty();
    auto c = cmp_scalar(kind, v, value, offset);
    if (!c) return false;
    if (op == "=") return *c == 0;
    if (op == ">") return *c > 0;
    if (op == ">=") return *c >= 0;
    if (op == "<") return *c < 0;
    if (op == "<=") return *c <= 0;
    return false;
}

}  // namespace

Condition parse_condition(const std::string& key, json value) {
    for (const char* op : kOps) {
        std::string_view o(op);
        if (key.size() > o.size() && key.compare(0, o.size(), o) == 0) {
            std::string norm(o);
            if (norm == "!") norm = "!=";
            if (norm == "!%=") norm = "!=%";
            return {norm, key.substr(o.size()), std::move(value)};
        }
    }
    if (!key.empty() && key[0] == '=') return {"=", key.substr(1), std::move(value)};
    return {"=", key, std::move(value)};
}

std::vector<Condition> parse_filter(const json& filter) {
    std::vector<Condition> out;
    if (filter.is_null() || (filter.is_array() && filter.empty())) return out;
    if (!filter.is_object()) throw bad_argument("filter must be an object");
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        if (it.key() == "logic") continue;
        out.push_back(parse_condition(it.key(), it.value()));
    }
    return out;
}

bool matches(Kind kind, const json& row_value, const Condition& c, int offset) {
    bool negate = c.op[0] == '!';
    std::string op = negate ? c.op.substr(1) : c.op;
    if (op.empty() || op == "=") op = "=";
    bool any = false;
    if (row_value.is_array()) {
        for (const auto& v : row_value) {
            // Multifield entries match on their VALUE.
            const json& x = v.is_object() && v.contains("VALUE") ? v["VALUE"] : v;
            if (scalar_matches(kind, x, op, c.value, offset)) any = true;
        }
        if (row_value.empty() && op == "=" &&
            (c.value.is_null() || (c.value.is_string() && c.value.get<std::string>().empty())))
            any = true;
    } else {
        any = scalar_matches(kind, row_value, op, c.value, offset);
    }
    return negate ? !any : any;
}

int compare_values(Kind kind, const json& a, const json& b, int offset) {
    auto c = cmp_scalar(kind, a, b, offset);
    if (c) return *c;
    return as_text(a) < as_text(b) ? -1 : (as_text(a) > as_text(b) ? 1 : 0);
}

std::int64_t parse_start(const json& params) {
    auto it = params.find("start");
    if (it == params.end() || it->is_null()) return 0;
    auto n = as_number(*it);
    if (!n) return 0;
    auto v = static_cast<std::int64_t>(*n);
    if (v < 0) return -1;
    return v;
}

json camel_value(Kind kind, const json& legacy) {
    if (kind == Kind::Int && legacy.is_string()) {
        auto n = as_number(legacy);
        if (n) return static_cast<std::int64_t>(*n);
    }
    if (kind == Kind::Num && legacy.is_string()) {
        auto n = as_number(legacy);
        if (n) return *n;
    }
    return legacy;
}

std::string uf_camel(const std::string& uf) {
    std::string out;
    bool up = false;
    bool first = true;
    for (char ch : lower(uf)) {
        if (ch == '_') {
            if (first) {
                first = false;
            }
            up = true;
            continue;
        }
        if (up && !out.empty() && std::isalpha(static_cast<unsigned char>(ch))) {
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        } else if (up && !out.empty() && !std::isalpha(static_cast<unsigned char>(ch)) &&
                   std::isdigit(static_cast<unsigned char>(out.back()))) {
            out += '_';
            out += ch;
        } else {
            out += ch;
        }
        up = false;
    }
    return out;
}

}  // namespace reglament::emulator
