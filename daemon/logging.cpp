#include "daemon/logging.hpp"

#include <cstdlib>
#include <stdexcept>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace reglament::daemon {

namespace {

// sd-daemon(3) priorities: journald reads "<N>" at the start of a line written to stderr.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        const char* p = "<6>";
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug:
                p = "<7>";
                break;
            case spdlog::level::info:
                p = "<6>";
                break;
            case spdlog::level::warn:
                p = "<4>";
                break;
            case spdlog::level::err:
                p = "<3>";
                break;
            case spdlog::level::critical:
                p = "<2>";
                break;
            default:
                break;
        }
        dest.append(p, p + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }
};

}  // namespace

std::optional<std::string> normalize_log_level(std::string_view level) {
    for (auto name : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        if (level == name) return std::string(name);
    if (level == "warning") return std::string("warn");
    if (level == "err") return std::string("error");
    return std::nullopt;
}

bool stderr_is_journal() {
    return std::getenv("JOURNAL_STREAM") != nullptr;
}

void setup_logging(std::string_view level, bool journal) {
    auto normalized = normalize_log_level(level);
    if (!normalized)
        throw std::invalid_argument("unknown log level '" + std::string(level) +
                                    "' (use trace, debug, info, warn, error, critical or off)");
    auto logger = spdlog::stderr_logger_mt("reglamentd");
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (journal) {
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    } else {
        formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %-5l %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(*normalized));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace reglament::daemon
