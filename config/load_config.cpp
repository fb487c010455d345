#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <set>

#include "config/config.hpp"
#include "config/sections.hpp"

namespace reglament::config {

const std::array<std::string_view, 26> rule_ids = {
    "L1", "L2", "L3", "L4", "L5", "C1", "C2", "H1", "H2", "H3", "H4", "H5", "H6",
    "H7", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "R1", "R2", "R3", "R4", "R5"};

std::ostream& operator<<(std::ostream& out, const Secret&) {
    return out << Secret::placeholder;
}

std::string format_problem(const Problem& problem) {
    if (problem.line <= 0) return problem.file + ": " + problem.message;
    return problem.file + ":" + std::to_string(problem.line) + ":" +
           std::to_string(problem.column) + ": " + problem.message;
}

namespace {

std::string first_and_count(const std::vector<Problem>& problems) {
    if (problems.empty()) return "invalid config";
    std::string text = format_problem(problems.front());
    if (problems.size() > 1) text += " (and " + std::to_string(problems.size() - 1) + " more)";
    return text;
}

bool readable_by_others(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return false;
    return (info.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

bool loopback(std::string_view address) {
    return address.starts_with("127.") || address == "::1" || address == "localhost" ||
           address == "[::1]";
}

// POST /admin/clock moves the daemon's time for everything it does, and the admin endpoint
// has no authentication: with a manual or scaled clock it must not be reachable from the
// network.
void check_admin_exposure(const toml::table& root, const Config& config, Report& report) {
    if (config.clock.mode == ClockMode::system || loopback(config.server.admin_address)) return;
    const auto* node = root.at_path("server.admin_address").node();
    report.warning(node != nullptr ? node->source() : root.source(),
                   "server.admin_address " + config.server.admin_address +
                       " is not a loopback address, and clock.mode \"" +
                       std::string(to_string(config.clock.mode)) +
                       "\" lets anyone who reaches it move the daemon's time through POST "
                       "/admin/clock; use 127.0.0.1, or clock.mode \"system\"");
}

void sort_by_place(std::vector<Problem>& problems) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
}

// Reads [name] with `read`; a missing required section is one error, not one per key.
template <typename Read>
void read_section(TableReader& top, std::string_view name, bool required, Read read) {
    static const toml::table empty;
    const auto* present = top.node(name);
    const auto* table = top.table(name);
    if (present != nullptr && table == nullptr) return;  // wrong type, reported
    if (table == nullptr && required) {
        top.report().error(toml::source_region{},
                           "the [" + std::string(name) + "] section is missing");
        return;
    }
    TableReader reader(table != nullptr ? *table : empty, std::string(name), top.report());
    read(reader);
}

std::string counted(std::size_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// [wazzup] is read before [people], so its references to people are checked afterwards.
void check_channel_down_notify(const toml::table& root, const Config& config, Report& report) {
    if (!config.wazzup) return;
    const auto* list = root.at_path("wazzup.channel_down_notify").as_array();
    if (list == nullptr) return;
    for (const auto& item : *list) {
        const auto* key = item.as_string();
        if (key == nullptr || config.people.find(key->get()) != nullptr) continue;
        report.error(item.source(), "wazzup.channel_down_notify names '" + key->get() +
                                        "', who is not in [people]");
    }
}

}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(first_and_count(problems)), problems_(std::move(problems)) {}

std::string_view to_string(ClockMode mode) {
    switch (mode) {
        case ClockMode::system:
            return "system";
        case ClockMode::manual:
            return "manual";
        case ClockMode::scaled:
            return "scaled";
    }
    return "?";
}

const Person* People::find(std::string_view key) const {
    for (const auto* group : {&managers, &heads}) {
        for (const auto& person : *group) {
            if (person.key == key) return &person;
        }
    }
    return nullptr;
}

const Person* People::find_user(std::int64_t user_id) const {
    for (const auto* group : {&managers, &heads}) {
        for (const auto& person : *group) {
            if (person.user_id == user_id) return &person;
        }
    }
    return nullptr;
}

rules::Staff to_staff(const People& people) {
    rules::Staff staff;
    for (auto [from, to] :
         {std::pair(&people.managers, &staff.managers), std::pair(&people.heads, &staff.heads)}) {
        for (const auto& person : *from) {
            to->push_back(rules::Person{person.key, std::to_string(person.user_id), person.name});
        }
    }
    return staff;
}

const RuleSettings& Config::rule(std::string_view id) const {
    auto it = rules.find(id);
    if (it == rules.end()) throw std::out_of_range("no rule '" + std::string(id) + "'");
    return it->second;
}

CheckResult check(const std::filesystem::path& path, const LoadOptions& options) {
    CheckResult result;
    Report report(path.string());
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        report.error(toml::source_region{}, "is a directory, not a config file");
        result.errors = std::move(report.errors());
        return result;
    }
    toml::table root;
    try {
        root = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        report.error(e.source(), std::string(e.description()));
        result.errors = std::move(report.errors());
        return result;
    }

    SecretSources sources;
    sources.file_readable_by_others = readable_by_others(path);
    sources.credentials_directory = options.credentials_directory;
    if (!sources.credentials_directory) {
        if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir != nullptr && *dir) {
            sources.credentials_directory = dir;
        }
    }

    Config config;
    config.file = path.string();
    {
        TableReader top(root, "", report);
        read_section(top, "portal", true,
                     [&](TableReader& r) { read_portal(r, config.portal, sources); });
        if (top.node("wazzup") != nullptr) {
            read_section(top, "wazzup", true, [&](TableReader& r) {
                config.wazzup.emplace();
                read_wazzup(r, *config.wazzup, sources);
            });
        }
        read_section(top, "server", false, [&](TableReader& r) { read_server(r, config.server); });
        read_section(top, "store", false, [&](TableReader& r) { read_store(r, config.store); });
        read_section(top, "clock", false, [&](TableReader& r) { read_clock(r, config.clock); });
        read_section(top, "calendar", false,
                     [&](TableReader& r) { read_calendar(r, config.calendar); });
        read_section(top, "people", false, [&](TableReader& r) { read_people(r, config.people); });
        read_section(top, "log", false, [&](TableReader& r) { read_log(r, config.log_level); });
        read_section(top, "rules", false, [&](TableReader& r) { read_rules(r, config); });
    }
    check_channel_down_notify(root, config, report);
    check_admin_exposure(root, config, report);

    sort_by_place(report.errors());
    sort_by_place(report.warnings());
    result.errors = std::move(report.errors());
    result.warnings = std::move(report.warnings());
    if (result.errors.empty()) {
        config.warnings = result.warnings;
        result.config = std::move(config);
    }
    return result;
}

std::vector<Problem> check_config(const std::filesystem::path& path, const LoadOptions& options) {
    return check(path, options).errors;
}

Config load_config(const std::filesystem::path& path, const LoadOptions& options) {
    auto result = check(path, options);
    if (!result.config) throw ConfigError(std::move(result.errors));
    return std::move(*result.config);
}

std::string summary(const Config& config) {
    std::string text = config.file + ": portal via ";
    text += config.portal.oauth ? "OAuth app " + config.portal.oauth->client_id
                                : std::string("inbound webhook");
    if (config.wazzup) {
        text += ", Wazzup with " + counted(config.wazzup->templates.size(), "template");
    } else {
        text += ", no Wazzup";
    }
    text += ", " + counted(config.people.managers.size(), "manager") + " and " +
            counted(config.people.heads.size(), "head");
    int enabled = 0;
    int dry_run = 0;
    for (const auto& [id, rule] : config.rules) {
        enabled += rule.enabled ? 1 : 0;
        dry_run += rule.enabled && rule.dry_run ? 1 : 0;
    }
    text += ", " + std::to_string(enabled) + " of " + std::to_string(rule_ids.size()) +
            " rules enabled (" + std::to_string(dry_run) + " in dry run)";
    std::set<int> years;
    for (const auto& day : config.calendar.holidays)
        years.insert(int(day.year()));
    text += ", calendar " + config.calendar.zone;
    if (years.empty()) {
        text += " without holidays";
    } else {
        text += " with holidays for";
        for (int year : years)
            text += " " + std::to_string(year);
    }
    text += ", clock " + std::string(to_string(config.clock.mode));
    return text;
}

}  // namespace reglament::config
