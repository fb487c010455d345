#include "bitrix/redact.hpp"

#include <array>
#include <cctype>

#include "bitrix/error.hpp"

namespace reglament::bitrix {

namespace {

constexpr std::array<std::string_view, 6> secret_keys = {
    "auth", "access_token", "refresh_token", "client_secret", "application_token", "code"};

constexpr std::string_view mask = "***";

// The last bracket segment decides: "auth[access_token]" and "auth%5Baccess_token%5D" are
// secrets as well as "access_token".
bool is_secret_key(std::string_view key) {
    std::string plain;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '%' && i + 2 < key.size() && key[i + 1] == '5' &&
            (key[i + 2] == 'B' || key[i + 2] == 'b' || key[i + 2] == 'D' || key[i + 2] == 'd')) {
            plain.push_back(key[i + 2] == 'B' || key[i + 2] == 'b' ? '[' : ']');
            i += 2;
        } else {
            plain.push_back(key[i]);
        }
    }
    std::string_view name = plain;
    while (!name.empty() && name.back() == ']')
        name.remove_suffix(1);
    if (auto open = name.rfind('['); open != std::string_view::npos) name.remove_prefix(open + 1);
    for (auto k : secret_keys)
        if (iequals(name, k)) return true;
    return false;
}

bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '[' || c == ']' ||
           c == '%';
}

// "/rest/<digits>/<code>/" -> "/rest/<digits>/***/"
std::string redact_webhook_paths(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    constexpr std::string_view marker = "/rest/";
    while (i < in.size()) {
        auto at = in.find(marker, i);
        if (at == std::string_view::npos) {
            out.append(in.substr(i));
            break;
        }
        std::size_t p = at + marker.size();
        std::size_t digits = p;
        while (digits < in.size() && std::isdigit(static_cast<unsigned char>(in[digits])))
            ++digits;
        if (digits == p || digits >= in.size() || in[digits] != '/') {
            out.append(in.substr(i, p - i));
            i = p;
            continue;
        }
        std::size_t code_end = digits + 1;
        while (code_end < in.size() && in[code_end] != '/' && in[code_end] != '?' &&
               in[code_end] != ' ' && in[code_end] != '"')
            ++code_end;
        out.append(in.substr(i, digits + 1 - i));
        if (code_end > digits + 1) out.append(mask);
        i = code_end;
    }
    return out;
}

// key=value pairs in query strings and form bodies.
std::string redact_pairs(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        auto eq = in.find('=', i);
        if (eq == std::string_view::npos) {
            out.append(in.substr(i));
            break;
        }
        std::size_t key_start = eq;
        while (key_start > i && is_key_char(in[key_start - 1]))
            --key_start;
        out.append(in.substr(i, eq + 1 - i));
        std::size_t value_end = eq + 1;
        while (value_end < in.size() && in[value_end] != '&' && in[value_end] != ' ' &&
               in[value_end] != '"' && in[value_end] != '\'' && in[value_end] != '\n')
            ++value_end;
        if (is_secret_key(in.substr(key_start, eq - key_start)) && value_end > eq + 1) {
            out.append(mask);
        } else {
            out.append(in.substr(eq + 1, value_end - eq - 1));
        }
        i = value_end;
    }
    return out;
}

// "access_token": "..." in JSON.
std::string redact_json_strings(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        auto colon = in.find(':', i);
        if (colon == std::string_view::npos) {
            out.append(in.substr(i));
            break;
        }
        // the key: "...": with optional spaces before ':'
        std::size_t k_end = colon;
        while (k_end > i && in[k_end - 1] == ' ')
            --k_end;
        bool secret = false;
        if (k_end > i && in[k_end - 1] == '"') {
            auto k_start = in.rfind('"', k_end - 2);
            if (k_start != std::string_view::npos && k_start >= i && k_end >= 2)
                secret = is_secret_key(in.substr(k_start + 1, k_end - 2 - k_start));
        }
        std::size_t v = colon + 1;
        while (v < in.size() && in[v] == ' ')
            ++v;
        if (!secret || v >= in.size() || in[v] != '"') {
            out.append(in.substr(i, colon + 1 - i));
            i = colon + 1;
            continue;
        }
        std::size_t v_end = v + 1;
        while (v_end < in.size() && in[v_end] != '"')
            v_end += in[v_end] == '\\' ? 2 : 1;
        out.append(in.substr(i, v + 1 - i));
        out.append(mask);
        if (v_end < in.size()) out.push_back('"');
        i = v_end + 1;
    }
    return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
    return redact_pairs(redact_webhook_paths(url));
}

std::string redact_text(std::string_view text) {
    return redact_json_strings(redact_pairs(redact_webhook_paths(text)));
}

}  // namespace reglament::bitrix
