#include "daemon/requeue_command.hpp"

#include <filesystem>
#include <iostream>

#include "config/config.hpp"
#include "daemon/command_config.hpp"
#include "rules/clock.hpp"
#include "store/sqlite_store.hpp"

namespace reglament::daemon {

namespace {

store::JournalEntry requeued_line(const std::string& what, std::int64_t count) {
    store::JournalEntry line;
    line.time = SystemClock().now();
    line.rule_id = "admin";
    line.entity_key = "-";
    line.action = "requeue";
    line.reason = what;
    line.result = std::to_string(count) + " row(s) back in the queue";
    return line;
}

}  // namespace

int requeue_command(const RequeueOptions& options) {
    int chosen = (options.event ? 1 : 0) + (options.action ? 1 : 0) + (options.all ? 1 : 0);
    if (chosen != 1) {
        std::cerr << "reglamentd requeue: give exactly one of --event ID, --action ID, --all\n";
        return 1;
    }
    auto loaded = load_for_command(options.config_path);
    if (!loaded) return 1;
    const auto& path = loaded->store.path;
    if (!std::filesystem::exists(path)) {
        std::cerr << "reglamentd requeue: no state file at " << path << "\n";
        return 1;
    }
    try {
        store::SqliteOptions so;
        so.beside_daemon = true;
        store::SqliteStore store(path, so);
        std::int64_t events = 0, actions = 0;
        std::string what;
        if (options.all) {
            events = store.requeue_events(std::nullopt);
            actions = store.requeue_actions(std::nullopt);
            what = "every parked event and action";
        } else if (options.event) {
            events = store.requeue_events(*options.event);
            what = "event " + std::to_string(*options.event);
        } else {
            actions = store.requeue_actions(*options.action);
            what = "action " + std::to_string(*options.action);
        }
        if (events + actions > 0) {
            auto line = requeued_line(what, events + actions);
            store.append_journal({&line, 1});
        }
        std::cout << "requeued " << events << " event(s) and " << actions << " action(s)\n";
        if (!options.all && events + actions == 0) {
            std::cerr << "reglamentd requeue: " << what << " is not parked\n";
            return 2;
        }
    } catch (const std::exception& e) {
        std::cerr << "reglamentd requeue: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace reglament::daemon
