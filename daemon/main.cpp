// reglamentd's command line. main() only parses and dispatches; each subcommand lives in its
// own file under daemon/.
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/journal_command.hpp"
#include "daemon/portal_ids_command.hpp"
#include "daemon/replacement_report_command.hpp"
#include "daemon/requeue_command.hpp"
#include "daemon/status_command.hpp"
#include "daemon/version.hpp"
#include "daemon/wazzup_setup.hpp"
#include "emulator/server.hpp"

namespace {

int check_config_command(const std::string& path) {
    auto result = reglament::config::check(path);
    for (const auto& w : result.warnings)
        std::cerr << "warning: " << reglament::config::format_problem(w) << "\n";
    if (!result.errors.empty()) {
        for (const auto& p : result.errors)
            std::cerr << reglament::config::format_problem(p) << "\n";
        std::cerr << path << ": " << result.errors.size() << " problem(s)\n";
        return 1;
    }
    std::cout << reglament::config::summary(*result.config) << "\n";
    return 0;
}

CLI::App* add_replacement_report(CLI::App& app, reglament::daemon::ReplacementReportOptions& o) {
    auto* cmd = app.add_subcommand(
        "replacement-report",
        "Numbers eligible for replacement in a period, with evidence and the request text (R5)");
    cmd->add_option("--config,-c", o.config_path, "Configuration file (TOML)")->required();
    cmd->add_option("--from", o.from, "First day (2026-03-02) or moment (ISO 8601)")->required();
    cmd->add_option("--to", o.to, "Last day, inclusive, or moment (ISO 8601)")->required();
    cmd->add_option("--login", o.login, "Логин клиента (default: [rules.R5] login)");
    cmd->add_option("--script", o.script, "Script URL (default: [rules.R5] script)");
    cmd->add_option("--csv", o.csv, "Also write the numbers as CSV to this file");
    return cmd;
}

}  // namespace

int main(int argc, char** argv) {
    // `reglamentd emulator ...` is the bundled local portal, with its own command line.
    if (argc >= 2 && std::string_view(argv[1]) == "emulator")
        return reglament::emulator::run_emulator_main(argc - 1, argv + 1);

    CLI::App app{
        "reglamentd: makes a call centre's sales regulations enforce themselves in Bitrix24"};
    app.set_version_flag("--version", std::string(reglament::version()));
    app.require_subcommand(1);

    reglament::daemon::RunOptions run_options;
    std::string log_level;
    auto* run = app.add_subcommand("run", "Run the daemon");
    run->add_option("--config,-c", run_options.config_path, "Configuration file (TOML)")
        ->required();
    run->add_flag("--dry-run", run_options.dry_run,
                  "Journal every action instead of writing to the portal (all rules)");
    run->add_flag("--start-empty", run_options.start_empty,
                  "Start with no state when the state file is missing or empty although this "
                  "installation had state (otherwise refused: restore the backup)");
    run->add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off");

    std::string check_path;
    auto* check =
        app.add_subcommand("check-config", "Validate a configuration file and exit (0 = valid)");
    check->add_option("file", check_path, "Configuration file (TOML)")->required();

    std::string wazzup_config;
    auto* wazzup = app.add_subcommand("wazzup", "Wazzup helpers");
    wazzup->require_subcommand(1);
    auto* setup = wazzup->add_subcommand(
        "setup", "Check the Wazzup key and channel, then point Wazzup's webhooks at this daemon");
    setup->add_option("--config,-c", wazzup_config, "Configuration file (TOML)")->required();

    reglament::daemon::JournalOptions journal_options;
    auto* journal = app.add_subcommand(
        "journal", "Print what the rules did (and, in dry-run, would have done), oldest first");
    journal->add_option("--config,-c", journal_options.config_path, "Configuration file (TOML)")
        ->required();
    journal->add_option("--entity", journal_options.entity, "Only this entity, e.g. lead:123");
    journal->add_option("--rule", journal_options.rule, "Only this rule, e.g. L4");
    journal->add_option("--since", journal_options.since,
                        "Only from this moment on (ISO 8601 with offset)");
    journal->add_option("--limit", journal_options.limit, "At most this many lines (1000)");

    reglament::daemon::StatusOptions status_options;
    auto* status = app.add_subcommand(
        "status",
        "Queues, last poll, rules on/dry-run, latest errors, and the daemon if it answers");
    status->add_option("--config,-c", status_options.config_path, "Configuration file (TOML)")
        ->required();
    status->add_option("--errors", status_options.errors,
                       "How many of the latest failed actions to show (5)");

    reglament::daemon::RequeueOptions requeue_options;
    auto* requeue = app.add_subcommand(
        "requeue",
        "Put parked events and actions (see `status`) back in the queue, once their cause is "
        "fixed");
    requeue->add_option("--config,-c", requeue_options.config_path, "Configuration file (TOML)")
        ->required();
    auto* requeue_event = requeue->add_option("--event", requeue_options.event,
                                              "The parked inbox event with this id");
    auto* requeue_action =
        requeue->add_option("--action", requeue_options.action, "The parked action with this id");
    auto* requeue_all =
        requeue->add_flag("--all", requeue_options.all, "Every parked event and action");
    requeue_event->excludes(requeue_action)->excludes(requeue_all);
    requeue_action->excludes(requeue_all);

    std::string portal_ids_config;
    auto* portal_ids = app.add_subcommand(
        "portal-ids",
        "List the portal's lead statuses, deal pipelines and stages, users and user "
        "fields with their ids, to fill the config");
    portal_ids->add_option("--config,-c", portal_ids_config, "Configuration file (TOML)")
        ->required();

    reglament::daemon::ReplacementReportOptions report_options;
    auto* report = add_replacement_report(app, report_options);

    app.add_subcommand("emulator",
                       "Run the bundled emulated Bitrix24 + Wazzup portal (see --help)");

    CLI11_PARSE(app, argc, argv);

    if (*run) {
        if (!log_level.empty()) run_options.log_level = log_level;
        return reglament::daemon::run_daemon(run_options);
    }
    if (*check) return check_config_command(check_path);
    if (*journal) return reglament::daemon::journal_command(journal_options);
    if (*setup) return reglament::daemon::wazzup_setup_command(wazzup_config);
    if (*status) return reglament::daemon::status_command(status_options);
    if (*requeue) return reglament::daemon::requeue_command(requeue_options);
    if (*portal_ids) return reglament::daemon::portal_ids_command(portal_ids_config);
    if (*report) return reglament::daemon::replacement_report_command(report_options);
    return 0;
}
