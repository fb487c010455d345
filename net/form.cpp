#include "net/form.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "net/http_message.hpp"

namespace reglament::net {

namespace {

using nlohmann::json;

[[noreturn]] void refuse(const std::string& why, bool too_large = false) {
    throw FormError(why, too_large);
}

// A key as it may be quoted in a one-line reason: short, printable.
std::string shown_key(std::string_view key) {
    std::string out;
    for (char c : key.substr(0, 40))
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    return "'" + out + (key.size() > 40 ? "...'" : "'");
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Strict percent-decoding: a '%' not followed by two hex digits, or a result that is not
// UTF-8, refuses the form. Kept as text, "%zz" would be stored as something the sender
// never meant, and bytes that are not UTF-8 break every JSON writer downstream.
std::string decode_component(std::string_view s, const char* what) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            int hi = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
            // The reason quotes nothing of it: a value may be a token.
            if (hi < 0 || lo < 0)
                refuse(std::string("form ") + what + " has a broken percent-escape");
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    if (!valid_utf8(out)) refuse(std::string("form ") + what + " is not UTF-8");
    return out;
}

// "a[b][]" -> {"a", "b", ""}; an empty segment means "append". The parts are views into
// `key`: a webhook's form has a dozen keys, each split once.
std::vector<std::string_view> split_key(std::string_view key, std::size_t max_depth) {
    std::vector<std::string_view> parts;
    auto open = key.find('[');
    if (open == std::string_view::npos) {
        parts.push_back(key);
        return parts;
    }
    if (open == 0) refuse("form key starts with '['");
    parts.push_back(key.substr(0, open));
    std::size_t i = open;
    while (i < key.size()) {
        if (key[i] != '[') refuse("form key " + shown_key(key) + " has text after ']'");
        auto close = key.find(']', i);
        if (close == std::string_view::npos)
            refuse("form key " + shown_key(key) + " has an unclosed '['");
        if (parts.size() > max_depth)
            refuse("form key " + shown_key(key) + " is nested deeper than " +
                   std::to_string(max_depth) + " levels");
        parts.push_back(key.substr(i + 1, close - i - 1));
        i = close + 1;
    }
    return parts;
}

// PHP's json_encode writes an array whose keys are 0..n-1 as a list; do the same. Recursive:
// the depth is bounded by FormLimits::max_depth.
void listify(json& node) {
    if (!node.is_object()) return;
    for (auto& [k, v] : node.items())
        listify(v);
    // Keys sort as strings ("0", "1", "10", "2"): a list is keys that are exactly 0..n-1 as
    // numbers, in whatever order they sort.
    const std::size_t n = node.size();
    if (n == 0) return;
    for (auto& [k, v] : node.items()) {
        (void)v;
        if (k.empty() || k.size() > 9 || !std::all_of(k.begin(), k.end(), ::isdigit) ||
            (k.size() > 1 && k[0] == '0') || std::stoul(k) >= n)
            return;
    }
    json list = json::array();
    for (std::size_t i = 0; i < n; ++i)
        list.push_back(std::move(node[std::to_string(i)]));
    node = std::move(list);
}

void encode_into(std::string& out, const std::string& prefix, const json& value) {
    if (value.is_object() || value.is_array()) {
        std::size_t index = 0;
        for (auto it = value.begin(); it != value.end(); ++it, ++index) {
            std::string key = value.is_object() ? it.key() : std::to_string(index);
            encode_into(out, prefix.empty() ? key : prefix + "[" + key + "]", *it);
        }
        return;
    }
    if (!out.empty()) out.push_back('&');
    out += percent_encode(prefix);
    out.push_back('=');
    if (value.is_string()) {
        out += percent_encode(value.get_ref<const std::string&>());
    } else if (value.is_boolean()) {
        out += value.get<bool>() ? "1" : "0";
    } else if (!value.is_null()) {
        out += percent_encode(value.dump());
    }
}

}  // namespace

json decode_form(std::string_view body, const FormLimits& limits) {
    json root = json::object();
    std::size_t pos = 0;
    std::size_t fields = 0;
    while (pos <= body.size()) {
        auto amp = body.find('&', pos);
        std::string_view pair =
            body.substr(pos, amp == std::string_view::npos ? body.npos : amp - pos);
        pos = amp == std::string_view::npos ? body.size() + 1 : amp + 1;
        if (pair.empty()) continue;
        if (++fields > limits.max_fields)
            refuse("form has more than " + std::to_string(limits.max_fields) + " fields", true);
        auto eq = pair.find('=');
        std::string key = decode_component(pair.substr(0, eq), "key");
        std::string value =
            eq == std::string_view::npos ? "" : decode_component(pair.substr(eq + 1), "value");
        if (key.empty()) continue;
        const auto parts = split_key(key, limits.max_depth);
        if (key.size() > limits.max_key_bytes)
            refuse("form key " + shown_key(key) + " is longer than " +
                   std::to_string(limits.max_key_bytes) + " bytes");
        json* node = &root;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const bool last = i + 1 == parts.size();
            if (!node->is_object()) *node = json::object();  // a container wins over a leaf
            std::string part(parts[i]);
            if (part.empty()) part = std::to_string(node->size());
            if (last) {
                auto existing = node->find(part);
                if (existing == node->end()) {
                    node->emplace(std::move(part), std::move(value));
                } else if (!existing->is_object()) {
                    *existing = std::move(value);
                }
            } else {
                node = &(*node)[std::move(part)];
            }
        }
    }
    listify(root);
    if (root.is_array()) {  // "0=a&1=b" is not a form we expect, keep it as an object
        json obj = json::object();
        for (std::size_t i = 0; i < root.size(); ++i)
            obj[std::to_string(i)] = root[i];
        return obj;
    }
    return root;
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

std::string encode_form(const nlohmann::json& params) {
    std::string out;
    if (params.is_object()) encode_into(out, "", params);
    return out;
}

}  // namespace reglament::net
