#include "daemon/command_config.hpp"

#include <iostream>

namespace reglament::daemon {

std::optional<config::Config> load_for_command(const std::filesystem::path& path) {
    auto checked = config::check(path);
    for (const auto& p : checked.errors)
        std::cerr << config::format_problem(p) << "\n";
    if (!checked.errors.empty()) return std::nullopt;
    return std::move(checked.config);
}

}  // namespace reglament::daemon
