#include "daemon/journal_command.hpp"

#include <filesystem>
#include <iostream>

#include "config/config.hpp"
#include "daemon/command_config.hpp"
#include "daemon/terminal_text.hpp"
#include "rules/iso_time.hpp"
#include "store/sqlite_store.hpp"

namespace reglament::daemon {

int journal_command(const JournalOptions& options) {
    auto loaded = load_for_command(options.config_path);
    if (!loaded) return 1;
    const auto& path = loaded->store.path;
    if (!std::filesystem::exists(path)) {
        std::cerr << "reglamentd journal: no state file at " << path
                  << " (the daemon has not run with this config yet)\n";
        return 1;
    }
    store::JournalQuery query;
    query.entity_key = options.entity;
    query.rule_id = options.rule;
    query.limit = options.limit;
    if (options.since) {
        auto since = parse_iso8601(*options.since);
        if (!since) {
            std::cerr << "reglamentd journal: --since wants ISO 8601 with an offset, e.g. "
                         "2026-03-02T09:00:00+03:00\n";
            return 1;
        }
        query.since = *since;
    }
    try {
        store::SqliteOptions so;
        so.read_only = true;
        store::SqliteStore store(path, so);
        for (const auto& e : store.query_journal(query)) {
            std::cout << format_iso8601(e.time) << "  " << e.rule_id << "  "
                      << printable(e.entity_key) << "  " << e.action
                      << (e.dry_run ? "  [dry-run]" : "") << "  " << printable(e.reason);
            if (!e.result.empty()) std::cout << "  → " << printable(e.result);
            std::cout << "\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "reglamentd journal: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace reglament::daemon
