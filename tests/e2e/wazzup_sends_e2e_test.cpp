// Issue 18 §6 with real processes: a message to a client goes at most once across a SIGKILL in
// the middle of a send, a WABA template goes through a WABA channel only, and a message that
// does not go is the responsible manager's to hear of.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/portal_fixture.hpp"

namespace wazzup_sends_e2e_test {

using namespace reglament::test;
using nlohmann::json;

namespace {

const std::string kWhatsApp = "c0ffee00-0000-4000-8000-000000000001";
const std::string kNedozvon =
    "Здравствуйте! Не удалось до вас дозвониться. Когда вам удобно поговорить?";

long long new_lead(Portal& p, const std::string& phone, const std::string& title) {
    return p.control("act/lead", {{"title", title}, {"name", "Иван"}, {"phone", phone}})["id"]
        .get<long long>();
}

long long assigned(Portal& p, long long lead) {
    json l = p.lead(lead);
    const json& v = l.contains("ASSIGNED_BY_ID") ? l["ASSIGNED_BY_ID"] : l["assigned_by_id"];
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
}

// Messages Wazzup took for a chat: the text, or "waba:<template id>".
std::vector<std::string> sent_to(Portal& p, const std::string& chat) {
    std::vector<std::string> out;
    for (const auto& m : p.list("wazzup/sent")) {
        if (m.value("chatId", std::string()) != chat) continue;
        std::string tpl = m.value("templateId", std::string());
        out.push_back(tpl.empty() ? m.value("text", std::string()) : "waba:" + tpl);
    }
    return out;
}

// Two unanswered first calls: L5 sends «Недозвон».
void two_missed_calls(Portal& p, long long lead, long long who) {
    for (int i = 0; i < 2; ++i) {
        p.control("act/call",
                  {{"user_id", who}, {"lead_id", lead}, {"answered", false}, {"duration", 0}});
        p.advance(60);
    }
}

// Wazzup webhooks the daemon took (any outcome).
double wazzup_webhooks(Portal& p) {
    auto metrics = p.http.get(p.admin_url("/metrics")).body;
    double sum = 0;
    std::regex line("reglament_webhooks_total\\{[^}]*source=\"wazzup\"[^}]*\\} ([0-9.e+]+)");
    for (std::sregex_iterator it(metrics.begin(), metrics.end(), line), end; it != end; ++it)
        sum += std::stod((*it)[1]);
    return sum;
}

// The daemon comes back at the emulator's time (its manual clock starts where the config says).
void restart_at_emulator_time(Portal& p) {
    std::string now = p.control("clock")["now"].get<std::string>();
    auto path = p.dir / "reglament.toml";
    std::string text =
        std::regex_replace(read_file(path), std::regex("\nstart = [^\n]*"), "\nstart = " + now);
    write_file(path, text);
    p.start_daemon();
}

}  // namespace

TEST_CASE(
    "e2e: a SIGKILL while Wazzup holds the answer and a restart 2 minutes later send «Недозвон» "
    "once",
    "[e2e][wazzup][sends]") {
    const bool echo = GENERATE(true, false);
    INFO("Wazzup echoes API sends: " << echo);
    Portal p;
    if (!echo) p.control("config", {{"wazzup_echo", false}});
    const std::string chat = "79125550101";
    long long id = new_lead(p, "+7 912 555-01-01", "ООО Окна: недозвон");
    p.settle();
    long long who = assigned(p, id);

    // Wazzup takes the message and holds its answer; the daemon dies waiting for it.
    p.control("faults",
              {{"method", "/v3/message"}, {"kind", "slow"}, {"delay_ms", 60000}, {"count", 1}});
    double hooks = wazzup_webhooks(p);
    two_missed_calls(p, id, who);
    REQUIRE(eventually([&] { return sent_to(p, chat).size() == 1; }));
    // The echo (when Wazzup sends one) has reached the daemon's inbox before the kill.
    if (echo) REQUIRE(eventually([&] { return wazzup_webhooks(p) > hooks; }));
    p.kill_daemon();
    p.control_delete("faults");

    // Back more than a minute later: Wazzup no longer recognises the crmMessageId.
    p.control("clock", {{"advance_s", 120}});
    restart_at_emulator_time(p);
    // Past the 5 minutes an unanswered send waits for its echo (the outbox holds the lead's
    // later actions behind it until then).
    p.advance(330);
    p.settle();

    CHECK(sent_to(p, chat) == std::vector<std::string>{kNedozvon});
    const std::string unsure =
        "Не знаю, ушло ли сообщение «Недозвон» клиенту («ООО Окна: недозвон»)";
    if (echo) {
        // Its echo showed it went: nothing to tell.
        CHECK(notifications(p, who, unsure).empty());
    } else {
        // No echo: given up, and the manager is asked to look at the chat, once.
        CHECK(notifications(p, who, unsure).size() == 1);
        CHECK_THAT(p.journal({"--entity", "lead:" + std::to_string(id), "--rule", "L5"}),
                   Catch::Contains("OUTCOME_UNKNOWN"));
    }
}

TEST_CASE("e2e: a refused send reaches the responsible manager as a notice and a metric",
          "[e2e][wazzup][sends]") {
    SECTION("no WhatsApp on the number (Wazzup's later status)") {
        Portal p;
        p.control("act/no-whatsapp", {{"phone", "79125550202"}});
        long long id = new_lead(p, "+7 912 555-02-02", "ИП Орлова: балкон");
        p.settle();
        long long who = assigned(p, id);
        two_missed_calls(p, id, who);
        p.settle();
        p.advance(5);  // BAD_CONTACT comes in the status webhook a second later
        p.settle();
        CHECK(notifications(p, who,
                            "Сообщение «Недозвон» клиенту («ИП Орлова: балкон») не отправлено: у "
                            "номера клиента нет WhatsApp")
                  .size() == 1);
        CHECK_THAT(
            p.http.get(p.admin_url("/metrics")).body,
            Catch::Contains("reglament_wazzup_send_refused_total{reason=\"no_whatsapp\"} 1"));
    }
    SECTION("a WABA template on a channel Wazzup lists as personal WhatsApp") {
        // The config declares the WhatsApp channel as the WABA one: check-config cannot know,
        // the account's channel list does (`wazzup setup` refuses it, so the admin edits the
        // config after the set-up), and the send is refused before any request.
        Portal p;
        p.kill_daemon();
        auto path = p.dir / "reglament.toml";
        std::string text = read_file(path);
        text = std::regex_replace(text, std::regex("waba_channel_id = \"[^\"]*\""),
                                  "waba_channel_id = \"" + kWhatsApp + "\"");
        text = std::regex_replace(
            text, std::regex("\\[wazzup.templates.\"Недозвон\"\\]\ntext = \"[^\"]*\""),
            "[wazzup.templates.\"Недозвон\"]\nwaba_template_id = "
            "\"7a3c0e2e-1b7f-4c9e-9a55-000000000001\"\nvalues = [\"{client_name}\"]");
        write_file(path, text);
        p.start_daemon();
        long long id = new_lead(p, "+7 912 555-03-03", "ООО Лето: окна");
        p.settle();
        long long who = assigned(p, id);
        two_missed_calls(p, id, who);
        p.settle();
        CHECK(sent_to(p, "79125550303").empty());
        CHECK(notifications(p, who,
                            "Сообщение «Недозвон» клиенту («ООО Лето: окна») не отправлено: канал "
                            "Wazzup не может отправить такое сообщение")
                  .size() == 1);
        CHECK_THAT(
            p.http.get(p.admin_url("/metrics")).body,
            Catch::Contains("reglament_wazzup_send_refused_total{reason=\"wrong_channel\"} 1"));
    }
}

TEST_CASE("e2e: check-config refuses a WABA template configured on the WhatsApp channel",
          "[e2e][wazzup][sends]") {
    TempDir dir;
    std::string text =
        read_file(std::string(REGLAMENT_SOURCE_DIR) + "/config/reglament.example.toml");
    // An old config: one channel, the personal WhatsApp one, and «Аудио» as a WABA template.
    text = std::regex_replace(text, std::regex("\nwaba_channel_id = \"[^\"]*\""), "");
    write_file(dir / "reglament.toml", text);
    ChildProcess check({REGLAMENTD_BIN, "check-config", (dir / "reglament.toml").string()},
                       dir / "check.log");
    CHECK(check.wait_exit(std::chrono::seconds(20)) == 1);
    CHECK_THAT(check.output(),
               Catch::Contains("wazzup.templates.\"Аудио Михаила Николаевича\" is a WABA template, "
                               "but [wazzup] has no waba_channel_id"));
}

}  // namespace wazzup_sends_e2e_test
