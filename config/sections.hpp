// Readers of the config file's sections; each reports its problems to the reader's Report and
// fills what it could read. Internal to config/.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace reglament::config {

// Where secrets not given inline come from, and whether inline ones are exposed.
struct SecretSources {
    std::optional<std::filesystem::path> credentials_directory;
    bool file_readable_by_others = false;
};

// `<name>` inline, `<name>_file`, or $CREDENTIALS_DIRECTORY/<name>, in that order. A missing
// required secret is an error naming the three ways to give it.
std::optional<Secret> read_secret(TableReader& reader, std::string_view name,
                                  const SecretSources& sources, bool required);

// An absolute http(s) URL with a host. Error messages never quote a URL that may be secret.
bool is_http_url(std::string_view text);
// A zone the system tzdata knows.
bool is_known_zone(const std::string& name);
// A table of weekday → ["HH:MM-HH:MM", …]; unlisted weekdays have no hours.
std::optional<std::array<DayHours, 7>> read_weekly_hours(TableReader& reader);

void read_portal(TableReader& reader, Portal& portal, const SecretSources& sources);
void read_wazzup(TableReader& reader, Wazzup& wazzup, const SecretSources& sources);
void read_server(TableReader& reader, Server& server);
void read_store(TableReader& reader, Store& store);
void read_clock(TableReader& reader, ClockSettings& clock);
void read_log(TableReader& reader, std::string& level);
void read_calendar(TableReader& reader, CalendarSpec& spec);
void read_people(TableReader& reader, People& people);
// Needs people and templates already read: it checks the rules' references to them.
void read_rules(TableReader& reader, Config& config);

}  // namespace reglament::config
