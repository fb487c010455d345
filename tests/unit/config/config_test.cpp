#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/core.h>

#include "config/config.hpp"

namespace config_test {

namespace fs = std::filesystem;
using reglament::config::check;
using reglament::config::LoadOptions;
using reglament::config::Problem;

namespace {

// A fresh directory per test, removed at the end.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "reglament-config-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

    // Writes `text` to `name` with owner-only permissions unless told otherwise.
    fs::path write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        const auto file = path_ / name;
        std::ofstream(file) << text;
        REQUIRE(::chmod(file.c_str(), mode) == 0);
        return file;
    }

  private:
    fs::path path_;
};

const std::string minimal_portal =
    "[portal]\n"
    "webhook_url = \"http://127.0.0.1:18080/rest/1/hook-code-123/\"\n"
    "application_token = \"token-xyz\"\n";

// No credentials directory unless a test gives one, whatever the environment holds.
LoadOptions isolated(const TempDir& dir) {
    return LoadOptions{dir.path() / "no-credentials"};
}

std::string all_messages(const std::vector<Problem>& problems) {
    std::string text;
    for (const auto& p : problems)
        text += reglament::config::format_problem(p) + "\n";
    return text;
}

bool mentions(const std::vector<Problem>& problems, const std::string& part) {
    return all_messages(problems).find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("config: the shipped example is valid", "[config]") {
    TempDir dir;
    const auto result =
        check(fs::path(REGLAMENT_SOURCE_DIR) / "config/reglament.example.toml", isolated(dir));
    INFO(all_messages(result.errors));
    REQUIRE(result.errors.empty());
    REQUIRE(result.config);
    const auto& config = *result.config;
    CHECK(config.portal.webhook_url->reveal() == "http://127.0.0.1:18080/rest/1/demo-secret/");
    CHECK(config.wazzup->api_url == "http://127.0.0.1:18080/v3");
    CHECK(config.clock.mode == reglament::config::ClockMode::system);
    CHECK(config.portal.marker == "[Регламент]");
    CHECK(config.rule("L4").enabled);
    CHECK(config.rule("L4").params["new_status_ids"][0] == "NEW");
    CHECK(config.rule("H6").params["task_title"] == "Перезвонить клиенту (пропущенный звонок)");
    CHECK(config.rule("D1").enabled);
    CHECK_FALSE(config.rule("D1").dry_run);  // every rule ships live
    CHECK(config.wazzup->templates.at("Аудио Михаила Николаевича").waba_template_id ==
          "6201005a-9a6f-486f-bdd5-e6cb86c76ddb");
    CHECK(config.people.find("rop")->user_id == 20);
    // Managers keep the file's order (L1's rotation), not toml++'s alphabetical one.
    REQUIRE(config.people.managers.size() == 6);
    CHECK(config.people.managers[0].key == "smirnova");
    CHECK(config.people.managers[1].key == "petrov");
    CHECK(config.people.managers[2].key == "kuznetsova");
    CHECK(config.people.managers[5].key == "lebedev");
    CHECK(config.people.managers[2].shifts.has_value());
    CHECK(config.people.presence_refresh == std::chrono::seconds(300));
    CHECK_FALSE(config.people.use_timeman);
    CHECK(config.store.keep_done_events == std::chrono::days(30));
    CHECK(config.store.keep_journal == std::chrono::days(365));
    const auto staff = reglament::config::to_staff(config.people);
    CHECK(staff.find_by_user("11")->key == "petrov");
    CHECK(staff.find_by_key("rop")->name == "Михаил Николаевич");
    // The empty "no date agreed" slot of ОП-2 is a warning, not an error.
    CHECK(mentions(result.warnings, "template 'Нет даты' has no text yet"));
    // The example's calendar is the Russian 2026 default written out.
    const reglament::Calendar cal(config.calendar);
    const reglament::Calendar builtin(reglament::russian_calendar_2026());
    const auto thirtieth_april = date::local_days{date::year{2026} / 4 / 30};
    CHECK(cal.hours_of(thirtieth_april) == builtin.hours_of(thirtieth_april));
    for (auto day = date::local_days{date::year{2026} / 1 / 1};
         day < date::local_days{date::year{2027} / 1 / 1}; day += date::days{1}) {
        REQUIRE(cal.hours_of(day) == builtin.hours_of(day));
    }
    const auto line = reglament::config::summary(config);
    CHECK(line.find("26 of 26 rules enabled (0 in dry run)") != std::string::npos);
    CHECK(line.find("demo-secret") == std::string::npos);
}

TEST_CASE("config: three distinct mistakes are all reported with their lines", "[config]") {
    TempDir dir;
    const auto file = dir.write("bad.toml", minimal_portal +                    // lines 1-3
                                                "poll_intervall = 30\n"         // 4: unknown key
                                                "[server]\n"                    // 5
                                                "listen_port = \"8080\"\n"      // 6: wrong type
                                                "[calendar]\n"                  // 7
                                                "zone = \"Europe/Moskow\"\n");  // 8: bad zone
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].line == 4);
    CHECK(errors[0].message.find("unknown key 'poll_intervall' in [portal]") != std::string::npos);
    CHECK(errors[1].line == 6);
    CHECK(errors[1].message == "server.listen_port must be an integer, not a string");
    CHECK(errors[2].line == 8);
    CHECK(errors[2].column == 8);
    CHECK(errors[2].message == "calendar.zone: unknown time zone 'Europe/Moskow'");
    CHECK(errors[0].file == file.string());
    CHECK_THROWS_AS(reglament::config::load_config(file, isolated(dir)),
                    reglament::config::ConfigError);
}

TEST_CASE("config: an unknown key is an error with a suggestion", "[config]") {
    TempDir dir;
    const auto file = dir.write("typo.toml", minimal_portal +
                                                 "[rules.L4]\n"
                                                 "enabled = true\n"
                                                 "[rules.H9]\n"
                                                 "[log]\n"
                                                 "levle = \"debug\"\n"
                                                 "[rules.H2]\n"
                                                 "enabeld = false\n");
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].line == 6);
    CHECK(errors[0].message.find("unknown rule id 'H9'") != std::string::npos);
    CHECK(errors[1].line == 8);
    CHECK(errors[1].message == "unknown key 'levle' in [log] (did you mean 'level'?)");
    // A misspelt switch of a rule would otherwise leave the rule on as a "parameter".
    CHECK(errors[2].line == 10);
    CHECK(errors[2].message == "unknown key 'enabeld' in [rules.H2] (did you mean 'enabled'?)");
}

TEST_CASE("config: an abbreviated weekday is refused with the full name", "[config]") {
    TempDir dir;
    const auto file = dir.write("abbrev.toml", minimal_portal +
                                                   "[calendar.hours]\n"
                                                   "monday = [\"09:00-18:00\"]\n"
                                                   "tue = [\"09:00-18:00\"]\n");
    const auto errors = check_config(file, isolated(dir));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 6);
    CHECK(errors[0].message == "unknown key 'tue' in [calendar.hours] (did you mean 'tuesday'?)");
}

TEST_CASE("config: a missing file or a directory is one clear error", "[config]") {
    TempDir dir;
    CHECK(mentions(check_config(dir.path() / "absent.toml", isolated(dir)), "could not be opened"));
    const auto errors = check_config(dir.path(), isolated(dir));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == "is a directory, not a config file");
}

TEST_CASE("config: a TOML syntax error carries its line and column", "[config]") {
    TempDir dir;
    const auto file = dir.write("syntax.toml", minimal_portal + "[server\nlisten_port = 1\n");
    const auto errors = check_config(file, isolated(dir));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 4);
    CHECK(errors[0].column > 0);
}

TEST_CASE("config: secrets come from *_file and from $CREDENTIALS_DIRECTORY", "[config]") {
    TempDir dir;
    const auto token_file = dir.write("token", "file-token\n");
    const auto credentials = dir.path() / "credentials";
    fs::create_directory(credentials);
    std::ofstream(credentials / "webhook_url") << "https://example.bitrix24.ru/rest/7/cred-code/\n";
    const auto file =
        dir.write("secrets.toml",
                  "[portal]\napplication_token_file = \"" + token_file.string() + "\"\n", 0644);

    SECTION("given explicitly") {
        const auto config = reglament::config::load_config(file, LoadOptions{credentials});
        CHECK(config.portal.application_token.reveal() == "file-token");
        CHECK(config.portal.webhook_url->reveal() ==
              "https://example.bitrix24.ru/rest/7/cred-code/");
        // Nothing inline, so a world-readable file is fine.
        CHECK_FALSE(mentions(config.warnings, "inline"));
    }
    SECTION("from the environment systemd sets") {
        ::setenv("CREDENTIALS_DIRECTORY", credentials.c_str(), 1);
        const auto config = reglament::config::load_config(file);
        ::unsetenv("CREDENTIALS_DIRECTORY");
        CHECK(config.portal.webhook_url->reveal() ==
              "https://example.bitrix24.ru/rest/7/cred-code/");
    }
    SECTION("missing everywhere") {
        const auto errors = check_config(file, isolated(dir));
        CHECK(mentions(errors, "[portal] needs webhook_url"));
    }
    SECTION("an unreadable file is named, its content is not") {
        const auto bad = dir.write("bad.toml",
                                   "[portal]\nwebhook_url = \"http://x/rest/1/a/\"\n"
                                   "application_token_file = \"/nonexistent/tok\"\n");
        const auto errors = check_config(bad, isolated(dir));
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].line == 3);
        CHECK(mentions(errors, "cannot read portal.application_token_file '/nonexistent/tok'"));
    }
    SECTION("inline and file together") {
        const auto both = dir.write("both.toml", minimal_portal + "application_token_file = \"" +
                                                     token_file.string() + "\"\n");
        CHECK(mentions(check_config(both, isolated(dir)),
                       "give either portal.application_token or "
                       "portal.application_token_file, not both"));
    }
}

TEST_CASE("config: an inline secret in a file others can read is a warning", "[config]") {
    TempDir dir;
    const auto open_file = dir.write("open.toml", minimal_portal, 0644);
    auto result = check(open_file, isolated(dir));
    REQUIRE(result.errors.empty());
    // webhook_url and application_token, after the missing marker reported at [portal].
    REQUIRE(result.warnings.size() == 3);
    CHECK(result.warnings[0].message.find("portal.marker is not set") == 0);
    CHECK(result.warnings[1].line == 2);
    CHECK(result.warnings[1].message.find("portal.webhook_url is written inline") == 0);
    CHECK(all_messages(result.warnings).find("hook-code-123") == std::string::npos);

    const auto private_file = dir.write("private.toml", minimal_portal, 0600);
    CHECK_FALSE(mentions(check(private_file, isolated(dir)).warnings, "inline"));
}

TEST_CASE("config: a Secret never prints its value", "[config]") {
    const reglament::config::Secret secret("super-secret-value");
    std::ostringstream out;
    out << secret;
    CHECK(out.str() == "<secret>");
    CHECK(fmt::format("key={}", secret) == "key=<secret>");
    CHECK(secret.reveal() == "super-secret-value");

    // Nor does a config error about a malformed secret URL.
    TempDir dir;
    const auto file = dir.write("url.toml",
                                "[portal]\nwebhook_url = \"ftp:/leaky-secret\"\n"
                                "application_token = \"t\"\n"
                                "[wazzup]\napi_url = \"htp://wazzup\"\n"
                                "api_key = \"k\"\nchannel_id = \"c\"\n"
                                "webhook_secret = \"has/slash\"\n");
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].message == "portal.webhook_url is not an http(s) URL (value not shown)");
    CHECK(errors[1].message == "wazzup.api_url is not an http(s) URL: 'htp://wazzup'");
    CHECK(errors[2].line == 8);
    CHECK(all_messages(errors).find("leaky-secret") == std::string::npos);
    CHECK(all_messages(errors).find("has/slash") == std::string::npos);
}

TEST_CASE("config: overlapping working hours are refused", "[config]") {
    TempDir dir;
    const auto file = dir.write("hours.toml", minimal_portal +
                                                  "[calendar.hours]\n"
                                                  "monday = [\"09:00-13:00\", \"12:00-18:00\"]\n"
                                                  "tuesday = [\"09:00-13:00\", \"14:00-18:00\"]\n"
                                                  "wednesday = [\"9-18\"]\n"
                                                  "[people.managers.a]\nuser_id = 5\n"
                                                  "[people.managers.a.shifts]\n"
                                                  "friday = [\"10:00-12:00\", \"11:00-13:00\"]\n");
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].line == 5);
    CHECK(errors[0].message ==
          "calendar.hours.monday: working hours 09:00-13:00 and 12:00-18:00 overlap");
    CHECK(errors[1].line == 7);
    CHECK(errors[1].message.find("'9-18' is not an interval") != std::string::npos);
    CHECK(errors[2].line == 11);
    CHECK(errors[2].message.find("people.managers.a.shifts.friday") == 0);
}

TEST_CASE("config: [people] presence keys are read and checked", "[config][presence]") {
    TempDir dir;
    const auto good = dir.write("good.toml", minimal_portal +
                                                 "[people]\n"
                                                 "presence_refresh_seconds = 60\n"
                                                 "use_timeman = true\n"
                                                 "[people.managers.a]\nuser_id = 5\n");
    const auto result = check(good, isolated(dir));
    INFO(all_messages(result.errors));
    REQUIRE(result.config);
    CHECK(result.config->people.presence_refresh == std::chrono::seconds(60));
    CHECK(result.config->people.use_timeman);

    const auto defaults =
        dir.write("defaults.toml", minimal_portal + "[people.managers.a]\nuser_id = 5\n");
    const auto plain = check(defaults, isolated(dir));
    REQUIRE(plain.config);
    CHECK(plain.config->people.presence_refresh == std::chrono::seconds(300));
    CHECK_FALSE(plain.config->people.use_timeman);

    const auto bad = dir.write("bad.toml", minimal_portal +
                                               "[people]\n"
                                               "presence_refresh_seconds = 5\n"  // 5
                                               "use_timeman = \"yes\"\n");       // 6
    const auto errors = check_config(bad, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 5);
    CHECK(errors[0].message.find("people.presence_refresh_seconds") != std::string::npos);
    CHECK(errors[1].line == 6);
    CHECK(errors[1].message.find("people.use_timeman") != std::string::npos);
}

TEST_CASE("config: [store] retention keys are read, defaulted and checked", "[config][store]") {
    TempDir dir;
    const auto good = dir.write("good.toml", minimal_portal +
                                                 "[store]\n"
                                                 "keep_done_events_days = 7\n"
                                                 "keep_journal_days = 0\n"
                                                 "keep_closed_days = 90\n"
                                                 "keep_marks_days = 0\n");
    const auto result = check(good, isolated(dir));
    INFO(all_messages(result.errors));
    REQUIRE(result.config);
    CHECK(result.config->store.keep_done_events == std::chrono::days(7));
    CHECK(result.config->store.keep_journal == std::chrono::days(0));
    CHECK(result.config->store.keep_closed == std::chrono::days(90));
    CHECK(result.config->store.keep_marks == std::chrono::days(0));

    const auto plain = check(dir.write("defaults.toml", minimal_portal), isolated(dir));
    REQUIRE(plain.config);
    CHECK(plain.config->store.keep_done_events == std::chrono::days(30));
    CHECK(plain.config->store.keep_journal == std::chrono::days(365));
    CHECK(plain.config->store.keep_closed == std::chrono::days(180));
    CHECK(plain.config->store.keep_marks == std::chrono::days(30));
    CHECK(plain.config->server.engine_stall == std::chrono::seconds(900));

    const auto bad = dir.write("bad.toml", minimal_portal +
                                               "[store]\n"
                                               "keep_done_events_days = -1\n"    // 5
                                               "keep_journal_days = \"1y\"\n");  // 6
    const auto errors = check_config(bad, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 5);
    CHECK(errors[0].message.find("store.keep_done_events_days must be between 0 and") !=
          std::string::npos);
    CHECK(errors[1].line == 6);
    CHECK(errors[1].message.find("store.keep_journal_days") != std::string::npos);
}

TEST_CASE("config: rules may only name people and templates that exist", "[config]") {
    TempDir dir;
    const auto file = dir.write("people.toml", minimal_portal +
                                                   "[people.managers.ivanova]\n"      // 4
                                                   "user_id = 11\nname = \"Анна\"\n"  // 5-6
                                                   "[people.heads.rop]\n"             // 7
                                                   "user_id = 1\n"                    // 8
                                                   "[rules.H2]\n"                     // 9
                                                   "heads = [\"petrov\"]\n"           // 10
                                                   "[rules.L4]\n"                     // 11
                                                   "heads = [\"rop\", \"x\"]\n"       // 12
                                                   "[rules.L5]\n"                     // 13
                                                   "template = \"Недозвон\"\n");      // 14
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].line == 10);
    CHECK(errors[0].message ==
          "rules.H2.heads names 'petrov', who is not in [people.managers] or [people.heads]");
    CHECK(errors[1].line == 12);
    CHECK(errors[1].message.find("'x'") != std::string::npos);
    CHECK(errors[2].line == 14);
    CHECK(errors[2].message.find("no [wazzup] section") != std::string::npos);
}

TEST_CASE("config: the channel-down notice names people of [people]", "[config]") {
    TempDir dir;
    const auto file = dir.write("wazzup.toml", minimal_portal +
                                                   "[wazzup]\n"                                // 4
                                                   "api_key = \"k\"\n"                         // 5
                                                   "channel_id = \"c-1\"\n"                    // 6
                                                   "webhook_secret = \"s\"\n"                  // 7
                                                   "channel_down_notify = [\"rop\", \"x\"]\n"  // 8
                                                   "[people.heads.rop]\n"                      // 9
                                                   "user_id = 1\n");                           // 10
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 8);
    CHECK(errors[0].message == "wazzup.channel_down_notify names 'x', who is not in [people]");
}

TEST_CASE("config: a WABA template needs a WABA channel — texts keep going through channel_id",
          "[config][wazzup]") {
    TempDir dir;
    const std::string wazzup =
        "[wazzup]\n"                 // 4
        "api_key = \"k\"\n"          // 5
        "channel_id = \"c-1\"\n"     // 6
        "webhook_secret = \"s\"\n";  // 7
    const std::string templates =
        "[wazzup.templates.\"Текст\"]\n"
        "text = \"Здравствуйте\"\n"
        "[wazzup.templates.\"Аудио\"]\n"
        "waba_template_id = \"6201005a-9a6f-486f-bdd5-e6cb86c76ddb\"\n";
    SECTION("an old config with text templates only loads as before") {
        auto result = check(dir.write("old.toml", minimal_portal + wazzup +
                                                      "[wazzup.templates.\"Текст\"]\n"
                                                      "text = \"Здравствуйте\"\n"),
                            isolated(dir));
        INFO(all_messages(result.errors));
        REQUIRE(result.config);
        CHECK(result.config->wazzup->waba_channel_id.empty());
    }
    SECTION("a WABA template on the WhatsApp channel is refused at its line") {
        const auto errors = check_config(
            dir.write("waba.toml", minimal_portal + wazzup + templates), isolated(dir));
        INFO(all_messages(errors));
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].line == 11);
        CHECK(mentions(errors, "is a WABA template, but [wazzup] has no waba_channel_id"));
    }
    SECTION("with a WABA channel it loads") {
        auto result = check(dir.write("ok.toml", minimal_portal + wazzup +
                                                     "waba_channel_id = \"c-2\"\n" + templates),
                            isolated(dir));
        INFO(all_messages(result.errors));
        REQUIRE(result.config);
        CHECK(result.config->wazzup->waba_channel_id == "c-2");
    }
}

TEST_CASE("config: a rule's own parameters are checked, unknown ones included", "[config]") {
    TempDir dir;
    const auto file = dir.write("params.toml", minimal_portal +
                                                   "[rules.L4]\n"                // 4
                                                   "call_within_minutes = -5\n"  // 5
                                                   "[rules.H3]\n"                // 6
                                                   "restore_dedline = true\n");  // 7
    const auto errors = check_config(file, isolated(dir));
    INFO(all_messages(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].message.find("rules.L4.call_within_minutes") != std::string::npos);
    CHECK(errors[1].message.find("rules.H3.restore_dedline") != std::string::npos);
}

TEST_CASE("config: defaults when sections are left out", "[config]") {
    TempDir dir;
    const auto config = reglament::config::load_config(
        dir.write("min.toml", minimal_portal + "[calendar]\nzone = \"Asia/Novosibirsk\"\n"),
        isolated(dir));
    CHECK(config.calendar.zone == "Asia/Novosibirsk");
    // Holidays and hours keep the Russian 2026 calendar.
    CHECK(config.calendar.holidays.count(date::year{2026} / 5 / 1) == 1);
    CHECK(config.calendar.weekly[0].size() == 1);
    CHECK(config.server.admin_address == "127.0.0.1");
    CHECK(config.portal.rate_limit.burst == 50);
    CHECK_FALSE(config.rule("L1").enabled);  // no table, no rule
    CHECK_FALSE(config.wazzup);
}

TEST_CASE("config: rate limit preset, clock and extra working days", "[config]") {
    TempDir dir;
    const auto config = reglament::config::load_config(
        dir.write("more.toml", minimal_portal +
                                   "[portal.rate_limit]\npreset = \"enterprise\"\n"
                                   "[clock]\nmode = \"manual\"\n"
                                   "start = 2026-03-02T09:00:00+03:00\n"
                                   "[calendar]\nholidays = []\n"
                                   "extra_working_days = [2026-03-14, "
                                   "{ date = 2026-03-21, hours = [\"10:00-14:00\"] }]\n"),
        isolated(dir));
    CHECK(config.portal.rate_limit.burst == 250);
    CHECK(config.portal.rate_limit.drain_per_second == 5.0);
    CHECK(config.clock.mode == reglament::config::ClockMode::manual);
    CHECK(config.clock.start ==
          reglament::TimePoint{date::sys_days{date::year{2026} / 3 / 2} + std::chrono::hours{6}});
    const reglament::Calendar cal(config.calendar);
    CHECK(cal.hours_of(date::local_days{date::year{2026} / 3 / 14}) ==
          reglament::DayHours{reglament::parse_work_interval("09:00-18:00")});
    CHECK(cal.hours_of(date::local_days{date::year{2026} / 3 / 21}) ==
          reglament::DayHours{reglament::parse_work_interval("10:00-14:00")});
    CHECK_FALSE(cal.has_holidays_for_year(2026));
}

TEST_CASE("config: clock.start as a string needs an offset", "[config]") {
    TempDir dir;
    auto start_of = [&](const std::string& value) {
        return check(dir.write("clock.toml", minimal_portal +
                                                 "[clock]\nmode = \"scaled\"\n"
                                                 "start = \"" +
                                                 value + "\"\n"),
                     isolated(dir));
    };
    const auto with_offset = start_of("2026-03-02T09:00:00+03:00");
    REQUIRE(with_offset.config);
    CHECK(with_offset.config->clock.start ==
          reglament::TimePoint{date::sys_days{date::year{2026} / 3 / 2} + std::chrono::hours{6}});
    CHECK(start_of("2026-03-02T06:00:00Z").config->clock.start == with_offset.config->clock.start);
    const auto without = start_of("2026-03-02T09:00:00");
    REQUIRE(without.errors.size() == 1);
    CHECK(without.errors[0].line == 6);
    CHECK(without.errors[0].message.find("clock.start must be a date-time with an offset") == 0);
}

}  // namespace config_test
