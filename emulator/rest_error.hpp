// A REST call that fails: the HTTP status and the {error, error_description} body
// (bitrix24.md §1 "Error response shape and codes").
#pragma once

#include <stdexcept>
#include <string>

namespace reglament::emulator {

class RestError : public std::runtime_error {
  public:
    RestError(int status, std::string code, std::string description)
        : std::runtime_error(code + ": " + description),
          status(status),
          code(std::move(code)),
          description(std::move(description)) {}
    int status;
    std::string code;
    std::string description;
};

inline RestError bad_argument(const std::string& what) {
    return RestError(400, "INVALID_ARG_VALUE", what);
}
inline RestError not_found(const std::string& what) {
    return RestError(400, "", what);
}

}  // namespace reglament::emulator
