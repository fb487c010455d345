// What check-config prints: one problem of a config file, with where it is.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace reglament::config {

struct Problem {
    std::string file;
    int line = 0;  // 1-based; 0 when the problem has no single place (a missing section)
    int column = 0;
    std::string message;
};

// "file:line:column: message", or "file: message" without a place.
std::string format_problem(const Problem& problem);

// load_config's refusal: every error of the file.
class ConfigError : public std::runtime_error {
  public:
    explicit ConfigError(std::vector<Problem> problems);
    const std::vector<Problem>& problems() const { return problems_; }

  private:
    std::vector<Problem> problems_;
};

}  // namespace reglament::config
