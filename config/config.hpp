// The daemon's configuration as loaded from one TOML file (config/reglament.example.toml
// documents every field). Everything portal-specific (status names, template names, user ids)
// lives here, never in code (ARCHITECTURE.md, "Contracts").
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/problem.hpp"
#include "config/secret.hpp"
#include "rules/calendar.hpp"
#include "rules/clock.hpp"
#include "rules/model.hpp"

namespace reglament::config {

// Bitrix24's leaky bucket (api/bitrix24.md, "Rate limit"): X = burst, Y = drain per second.
struct RateLimit {
    int burst = 50;
    double drain_per_second = 2.0;
};

// An OAuth application instead of an inbound webhook (api/bitrix24.md, "OAuth application").
struct OAuth {
    std::string client_id;
    Secret client_secret;         // goes only to the OAuth server, never to the portal
    std::string client_endpoint;  // the portal's REST base, https://x.bitrix24.ru/rest/
    std::string token_url = "https://oauth.bitrix.info/oauth/token/";
    std::optional<Secret> refresh_token;  // the first one; later ones come from the store
};

struct Portal {
    std::optional<Secret> webhook_url;  // inbound webhook; its path holds the secret
    std::optional<OAuth> oauth;         // exactly one of webhook_url and oauth is set
    Secret application_token;           // checks auth[application_token] of outbound events
    std::string time_zone = "Europe/Moscow";
    // Prefix of every automated write. Portal words live only in config (REGULATIONS.md), so
    // there is no default here; the example sets "[Регламент]".
    std::string marker;
    RateLimit rate_limit;
    std::chrono::seconds poll_interval{60};
};

// A Wazzup message the regulations name: plain text, or a WABA template with its values.
// Both empty = a slot the business has not written yet; rules skip it with a warning.
struct MessageTemplate {
    std::string text;
    std::string waba_template_id;
    std::vector<std::string> values;
    bool empty() const { return text.empty() && waba_template_id.empty(); }
};

struct Wazzup {
    std::string api_url = "https://api.wazzup24.com/v3";
    Secret api_key;
    std::string channel_id;       // the WhatsApp channel free texts go through
    std::string waba_channel_id;  // the WABA channel templates go through; empty: none
    Secret webhook_secret;        // the last segment of POST /hooks/wazzup/<secret>
    std::map<std::string, MessageTemplate> templates;  // by the regulation's template name
    // Told once per outage when a send is refused because the channel is not active: keys of
    // [people] (empty = every head), and the text ({channel}, {state}).
    std::vector<std::string> channel_down_notify;
    std::string channel_down_text =
        "Сообщения клиентам в WhatsApp не отправляются: канал Wazzup {channel} в состоянии "
        "«{state}». Проверьте канал в личном кабинете Wazzup.";
    // Told to the responsible manager when a message to a client did not go ({template},
    // {title} of the lead or deal, {reason}), or may not have gone (send_unknown_text).
    std::string send_refused_text =
        "Сообщение «{template}» клиенту («{title}») не отправлено: {reason}. Свяжитесь с "
        "клиентом сами.";
    std::string send_unknown_text =
        "Не знаю, ушло ли сообщение «{template}» клиенту («{title}»): Wazzup не ответил. "
        "Проверьте чат с клиентом в Wazzup; повторно оно отправлено не будет.";
};

struct Server {
    std::string listen_address = "0.0.0.0";
    std::uint16_t listen_port = 8080;
    std::string admin_address = "127.0.0.1";
    std::uint16_t admin_port = 9090;
    std::string public_url;  // how the portal and Wazzup reach listen_*; empty = not announced
    // Webhook connections open at once, in all and from one peer address (0 = no per-address
    // cap). Behind a reverse proxy every connection comes from the proxy's address.
    std::size_t max_connections = 20000;
    std::size_t max_connections_per_address = 1000;
    // An engine that finishes no step for this long is wedged: /healthz answers 503 and the
    // systemd watchdog is no longer pinged. Longer than the slowest honest step (a read the
    // portal answers slowly, retried: about six minutes).
    std::chrono::seconds engine_stall{900};
};

struct Store {
    std::string path = "/var/lib/reglamentd/reglament.db";
    // Clock time a done inbox event and a journal line are kept; 0 = forever. Pending and
    // failed events are always kept.
    std::chrono::days keep_done_events{30};
    std::chrono::days keep_journal{365};
    // Clock time a closed lead, deal or task (converted or junk, closed, completed) is
    // remembered after its last change, and the marks of sent Wazzup messages (to route their
    // statuses) and of dry-run decisions (each journaled once) are kept; 0 = forever.
    std::chrono::days keep_closed{180};
    std::chrono::days keep_marks{30};
};

enum class ClockMode { system, manual, scaled };
std::string_view to_string(ClockMode mode);

struct ClockSettings {
    ClockMode mode = ClockMode::system;
    std::optional<TimePoint> start;  // manual and scaled: where time starts; empty = now
    double factor = 1.0;             // scaled only
};

struct Person {
    std::string key;           // how rules refer to the person, e.g. head = "rop"
    std::int64_t user_id = 0;  // Bitrix24 user id
    std::string name;
    std::optional<std::array<DayHours, 7>> shifts;  // empty = the calendar's hours
};

struct People {
    // In the order the file lists them: L1's round robin follows it.
    std::vector<Person> managers;
    std::vector<Person> heads;
    // How often the portal is asked who of them is active and not absent (im.user.get), and
    // whether its working-day status (timeman.status) counts: only an open day is "present".
    std::chrono::seconds presence_refresh{300};
    bool use_timeman = false;
    const Person* find(std::string_view key) const;
    const Person* find_user(std::int64_t user_id) const;
};

// The rules' view of the same people (rules/model.hpp).
rules::Staff to_staff(const People& people);

// The regulations' rule ids (REGULATIONS.md), in document order.
extern const std::array<std::string_view, 26> rule_ids;

struct RuleSettings {
    std::string id;
    bool enabled = false;  // a rule without a [rules.<ID>] table is off
    bool dry_run = false;  // journal only, write nothing to the portal
    // Every other key of the table, validated generically (person, user id and template
    // references); the rule issues replace this with typed parameters.
    nlohmann::json params = nlohmann::json::object();
};

struct Config {
    std::string file;
    Portal portal;
    std::optional<Wazzup> wazzup;  // absent: no rule may name a template
    Server server;
    Store store;
    ClockSettings clock;
    CalendarSpec calendar = russian_calendar_2026();  // where [calendar] says nothing
    People people;
    std::map<std::string, RuleSettings, std::less<>> rules;  // every id of rule_ids
    std::string log_level = "info";
    std::vector<Problem> warnings;  // to log at start; never a reason to refuse

    const RuleSettings& rule(std::string_view id) const;
};

struct LoadOptions {
    // Where systemd's LoadCredential= puts secrets; empty = $CREDENTIALS_DIRECTORY.
    std::optional<std::filesystem::path> credentials_directory;
};

struct CheckResult {
    std::vector<Problem> errors;  // sorted by line
    std::vector<Problem> warnings;
    std::optional<Config> config;  // set when errors is empty
};

// Reads and validates the file, reporting every problem it finds rather than the first.
CheckResult check(const std::filesystem::path& path, const LoadOptions& options = {});
// The errors of check().
std::vector<Problem> check_config(const std::filesystem::path& path,
                                  const LoadOptions& options = {});
// The config, or ConfigError with every error; warnings are in Config::warnings.
Config load_config(const std::filesystem::path& path, const LoadOptions& options = {});

// One line for check-config's success output; holds no secret.
std::string summary(const Config& config);

}  // namespace reglament::config
