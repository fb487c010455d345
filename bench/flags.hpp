// The benchmarks' command lines: "--name value" pairs, each name from a known list.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace reglament::bench {

class Flags {
  public:
    // Throws std::invalid_argument on a flag not in `known` or without a value.
    Flags(int argc, char** argv, const std::vector<std::string>& known) {
        for (int i = 1; i < argc; i += 2) {
            const std::string flag = argv[i];
            bool listed = false;
            for (const auto& k : known)
                listed = listed || flag == "--" + k;
            if (!listed || i + 1 >= argc) throw std::invalid_argument("bad flag " + flag);
            values_[flag.substr(2)] = argv[i + 1];
        }
    }
    std::string text(const std::string& name, const std::string& fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    long number(const std::string& name, long fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : std::stol(it->second);
    }
    double real(const std::string& name, double fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : std::stod(it->second);
    }

  private:
    std::map<std::string, std::string> values_;
};

}  // namespace reglament::bench
