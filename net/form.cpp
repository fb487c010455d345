#include "net/form.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include "net/http_message.hpp"

namespace reglament::net {

namespace {

using nlohmann::json;

// "a[b][]" -> {"a", "b", ""}; an empty segment means "append". The parts are views into
// `key`: a webhook's form has a dozen keys, each split once.
std::vector<std::string_view> split_key(std::string_view key) {
    std::vector<std::string_view> parts;
    auto open = key.find('[');
    if (open == std::string_view::npos) {
        parts.push_back(key);
        return parts;
    }
    if (open == 0) throw std::invalid_argument("form key starts with '['");
    parts.push_back(key.substr(0, open));
    std::size_t i = open;
    while (i < key.size()) {
        if (key[i] != '[')
            throw std::invalid_argument("form key '" + std::string(key) + "' has text after ']'");
        auto close = key.find(']', i);
        if (close == std::string_view::npos)
            throw std::invalid_argument("form key '" + std::string(key) + "' has an unclosed '['");
        parts.push_back(key.substr(i + 1, close - i - 1));
        i = close + 1;
    }
    return parts;
}

// PHP's json_encode writes an array whose keys are 0..n-1 as a list; do the same.
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

json decode_form(std::string_view body) {
    json root = json::object();
    std::size_t pos = 0;
    while (pos <= body.size()) {
        auto amp = body.find('&', pos);
        std::string_view pair =
            body.substr(pos, amp == std::string_view::npos ? body.npos : amp - pos);
        pos = amp == std::string_view::npos ? body.size() + 1 : amp + 1;
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (key.empty()) continue;
        const auto parts = split_key(key);
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

std::string encode_form(const nlohmann::json& params) {
    std::string out;
    if (params.is_object()) encode_into(out, "", params);
    return out;
}

}  // namespace reglament::net
