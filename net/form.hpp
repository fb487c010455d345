// application/x-www-form-urlencoded bodies with PHP bracket keys, as Bitrix24 sends events
// ("data[FIELDS][ID]=5&auth[domain]=x") and as batch commands are written
// ("filter[>ID]=5&select[]=ID"). Pure functions.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reglament::net {

// What a stranger's form may hold. A body is already bounded in bytes by the server; these
// bound what the bytes may cost: nesting is paid in stack by whoever walks the tree, and every
// field is a node.
struct FormLimits {
    std::size_t max_depth = 32;        // bracket levels of one key: "a[b][c]" is 2
    std::size_t max_fields = 100000;   // name=value pairs
    std::size_t max_key_bytes = 1024;  // one decoded key
};

// Why a form was refused, in one line that quotes no value. too_large: within the byte limit
// but over max_fields (the intake answers 413 for it, 400 for the rest).
class FormError : public std::invalid_argument {
  public:
    FormError(const std::string& what, bool too_large)
        : std::invalid_argument(what), too_large_(too_large) {}
    bool too_large() const { return too_large_; }

  private:
    bool too_large_;
};

// Decodes into nested objects: "a[b][c]=1" -> {"a":{"b":{"c":"1"}}}; "a[]=1&a[]=2" ->
// {"a":["1","2"]}. Every leaf is a string. A key that is both a leaf and a container keeps the
// container. Throws FormError on a malformed key (unbalanced brackets), a broken
// percent-escape, text that is not UTF-8 once decoded, or anything over `limits`: nothing is
// stored altered.
nlohmann::json decode_form(std::string_view body, const FormLimits& limits = {});

// The inverse, like PHP's http_build_query: nested objects and arrays become bracket keys
// (arrays with numeric indexes), booleans "1"/"0", null an empty value.
std::string encode_form(const nlohmann::json& params);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what a JSON library will later accept.
bool valid_utf8(std::string_view text);

}  // namespace reglament::net
