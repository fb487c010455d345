// The webhook intake over real HTTP into a real SQLite inbox: 200 only once the row is
// committed, 401/404 for strangers with nothing stored, 400/413 for bodies it cannot take, and
// no secret in any log line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "daemon/intake.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "rules/iso_time.hpp"
#include "store/inbox_writer.hpp"
#include "store/sqlite_store.hpp"
#include "tests/support/process.hpp"

namespace intake_test {

using namespace reglament;

namespace {

const std::string kToken = "b24AppTokenQ9xK2mZ7";
const std::string kSecret = "wz7Rk2Lp9Qm4Xs8Tn3Vb";
const char* kForm = "application/x-www-form-urlencoded";
const char* kWazzupJson = "application/json; charset-utf-8";

std::string bitrix_body(const std::string& event_and_data, const std::string& token = kToken) {
    return event_and_data +
           "&ts=1772434800&auth%5Bdomain%5D=some.bitrix24.ru"
           "&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553"
           "&auth%5Bapplication_token%5D=" +
           token;
}

const std::string kLeadAdd =
    bitrix_body("event=ONCRMLEADADD&event_handler_id=12&data%5BFIELDS%5D%5BID%5D=1475");

// Log lines of the test, to check no secret gets into them.
struct LogCapture {
    std::ostringstream text;
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    LogCapture() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("intake-test", sink));
    }
    ~LogCapture() { spdlog::set_default_logger(previous); }
    std::string str() {
        spdlog::default_logger()->flush();
        return text.str();
    }
};

struct Rig {
    test::TempDir dir;
    store::SqliteStore store{dir / "reglament.db"};
    ManualClock clock{*parse_iso8601("2026-03-02T09:00:00+03:00")};
    store::InboxWriter writer{store};
    std::mutex mutex;
    std::vector<std::string> counted;  // "source/outcome"
    daemon::Intake intake{writer,
                          clock,
                          {kToken, kSecret},
                          [this](std::string_view source, std::string_view outcome) {
                              std::lock_guard lock(mutex);
                              counted.push_back(std::string(source) + "/" + std::string(outcome));
                          }};
    boost::asio::io_context io;
    net::HttpServer server{io, {}, [this](net::Request&& req, net::Reply reply) {
                               if (!intake.handle(req, reply))
                                   reply(net::Response::text(404, "not found\n"));
                           }};
    std::thread thread;
    net::BlockingHttpClient client;

    Rig() {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~Rig() {
        boost::asio::post(io, [this] {
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(server.port()) + path;
    }
    net::Response post(const std::string& path, std::string body, const char* type = kForm) {
        return client.post(url(path), std::move(body), type);
    }
    std::vector<store::StoredEvent> rows() { return store.next_pending(100); }
    std::vector<std::string> counts() {
        std::lock_guard lock(mutex);
        return counted;
    }
};

}  // namespace

TEST_CASE("intake: a Bitrix24 event is answered 200 once it is in the inbox",
          "[intake][integration]") {
    Rig rig;
    auto r = rig.post("/hooks/bitrix", kLeadAdd);
    CHECK(r.status == 200);
    // The answer came from the writer's callback: the row is committed and visible to readers.
    auto rows = rig.rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].event.source == "bitrix");
    CHECK(rows[0].event.kind == "ONCRMLEADADD");
    CHECK(rows[0].event.entity_key == "lead:1475");
    CHECK(rows[0].event.received_at == rig.clock.now());
    CHECK(rows[0].event.payload.find(kToken) == std::string::npos);

    // The same body again is a second change within the same second (Bitrix24 never resends):
    // both are kept, or the second change would be lost.
    CHECK(rig.post("/hooks/bitrix", kLeadAdd).status == 200);
    CHECK(rig.rows().size() == 2);
    CHECK(rig.counts() == std::vector<std::string>{"bitrix/accepted", "bitrix/accepted"});

    auto task = rig.post("/hooks/bitrix",
                         bitrix_body("event=ONTASKUPDATE&data%5BFIELDS_BEFORE%5D%5BID%5D=77"
                                     "&data%5BFIELDS_AFTER%5D%5BID%5D=77"));
    CHECK(task.status == 200);
    rows = rig.rows();
    REQUIRE(rows.size() == 3);
    CHECK(rows[2].event.entity_key == "task:77");
    // Each POST has its own delivery key, and they sort in arrival order (the unique index on
    // them then grows at one end).
    CHECK(rows[0].event.dedup_key < rows[1].event.dedup_key);
    CHECK(rows[1].event.dedup_key < rows[2].event.dedup_key);
}

TEST_CASE("intake: a wrong or missing application_token is 401, nothing stored, not logged",
          "[intake][integration]") {
    LogCapture log;
    Rig rig;
    const std::string wrong = "notTheRightTokenAtAll";
    auto r = rig.post("/hooks/bitrix",
                      bitrix_body("event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=1", wrong));
    CHECK(r.status == 401);
    auto missing = rig.post("/hooks/bitrix", "event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=1");
    CHECK(missing.status == 401);
    // A forged body learns nothing of what else is wrong with it.
    auto forged_broken = rig.post(
        "/hooks/bitrix", bitrix_body("event=ONCRMLEADADD&data%5BFIELDS%5D%5BTITLE%5D=x", wrong));
    CHECK(forged_broken.status == 401);
    CHECK(forged_broken.body.find("no entity id") == std::string::npos);
    CHECK(rig.rows().empty());
    CHECK(rig.counts() == std::vector<std::string>{"bitrix/rejected_auth", "bitrix/rejected_auth",
                                                   "bitrix/rejected_auth"});
    auto lines = log.str();
    CHECK(lines.find("401") != std::string::npos);
    CHECK(lines.find(wrong) == std::string::npos);
    CHECK(lines.find(kToken) == std::string::npos);
}

TEST_CASE("intake: garbage and truncated Bitrix24 bodies are 400 with a reason",
          "[intake][integration]") {
    Rig rig;
    auto garbage = rig.post("/hooks/bitrix", "\x01\x02 this is not a form \xff");
    CHECK(garbage.status == 400);
    CHECK(garbage.body.find("event") != std::string::npos);
    // Cut inside a bracket key, and cut before the id's value.
    auto cut_key = rig.post("/hooks/bitrix", "event=ONCRMLEADADD&data%5BFIELDS%5D%5BID");
    CHECK(cut_key.status == 400);
    CHECK(cut_key.body.find("malformed") != std::string::npos);
    auto cut_value = rig.post("/hooks/bitrix", "event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=");
    CHECK(cut_value.status == 400);
    for (const auto& r : {garbage, cut_key, cut_value}) {
        CHECK(r.body.find('\n') == r.body.size() - 1);  // one line
    }
    CHECK(rig.rows().empty());
}

TEST_CASE("intake: Bitrix24 bodies over 256 KiB are 413 — other methods 405, paths 404",
          "[intake][integration]") {
    Rig rig;
    std::string big = kLeadAdd + "&data%5BFIELDS%5D%5BTITLE%5D=" + std::string(300 * 1024, 'a');
    CHECK(rig.post("/hooks/bitrix", big).status == 413);
    CHECK(rig.rows().empty());
    CHECK(rig.client.get(rig.url("/hooks/bitrix")).status == 405);
    CHECK(rig.post("/hooks/other", kLeadAdd).status == 404);
    // Authentic, but nothing the rules watch: acknowledged, not stored. ONUSERADD as
    // b24restdocs shows it (data[ID], no FIELDS); a user field's event is not its lead's.
    CHECK(rig.post("/hooks/bitrix", bitrix_body("event=ONUSERADD&data%5BID%5D=5&data%5BNAME%5D=K"))
              .status == 200);
    CHECK(rig.post("/hooks/bitrix",
                   bitrix_body("event=ONCRMLEADUSERFIELDADD&data%5BFIELDS%5D%5BID%5D=6977"
                               "&data%5BFIELDS%5D%5BENTITY_ID%5D=CRM_LEAD"))
              .status == 200);
    CHECK(rig.rows().empty());
    CHECK(rig.counts() == std::vector<std::string>{"bitrix/too_large", "bitrix/malformed",
                                                   "bitrix/ignored", "bitrix/ignored"});
}

TEST_CASE("intake: the application token can be replaced on reload", "[intake][integration]") {
    Rig rig;
    rig.intake.update({"rotatedToken123456", kSecret});
    CHECK(rig.post("/hooks/bitrix", kLeadAdd).status == 401);
    CHECK(rig.post("/hooks/bitrix", bitrix_body("event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=1475",
                                                "rotatedToken123456"))
              .status == 200);
    CHECK(rig.rows().size() == 1);
}

TEST_CASE("intake: a store that cannot commit is 503", "[intake][integration]") {
    Rig rig;
    rig.writer.stop();  // from now on every submit is refused
    CHECK(rig.post("/hooks/bitrix", kLeadAdd).status == 503);
    CHECK(rig.post("/hooks/wazzup/" + kSecret,
                   R"({"statuses":[{"messageId":"out-1","status":"read"}]})", kWazzupJson)
              .status == 503);
    CHECK(rig.rows().empty());
    CHECK(rig.counts() == std::vector<std::string>{"bitrix/unavailable", "wazzup/unavailable"});
}

TEST_CASE("intake: Wazzup webhooks", "[intake][integration]") {
    LogCapture log;
    Rig rig;
    const std::string path = "/hooks/wazzup/" + kSecret;

    SECTION("a wrong secret is 404 and nothing is stored") {
        CHECK(rig.post("/hooks/wazzup/guessed", R"({"test":true})", kWazzupJson).status == 404);
        CHECK(rig.post("/hooks/wazzup/", R"({"test":true})", kWazzupJson).status == 404);
        CHECK(rig.client.get(rig.url("/hooks/wazzup/guessed")).status == 404);
        CHECK(rig.client.get(rig.url(path)).status == 405);
        CHECK(rig.rows().empty());
    }
    SECTION("the test POST is 200 and stores nothing") {
        CHECK(rig.post(path, R"({"test": true})", kWazzupJson).status == 200);
        CHECK(rig.rows().empty());
    }
    SECTION("a message and a status in one body are two rows; a repeat adds none") {
        const std::string body = R"({
          "messages":[{"messageId":"57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111",
            "channelId":"e5a0c2f3-1111-4e2b-9a1d-000000000001","chatType":"whatsapp",
            "chatId":"79123456789","dateTime":"2025-05-06T14:16:00.002Z","type":"text",
            "isEcho":false,"status":"inbound","text":"Здравствуйте"}],
          "statuses":[{"messageId":"out-1","timestamp":"2025-02-05T06:01:07.499Z",
            "status":"delivered"}]})";
        CHECK(rig.post(path, body, kWazzupJson).status == 200);
        auto rows = rig.rows();
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].event.kind == "wazzup.message");
        CHECK(rows[0].event.entity_key == "chat:79123456789");
        CHECK(rows[1].event.kind == "wazzup.status");
        CHECK(rows[1].event.entity_key == "wazzup_message:out-1");

        const std::string again =
            R"({"messages":[{"messageId":"57aa1a6e-3d8a-4b6c-b2a9-6d3c3d7a1111",
            "channelId":"e5a0c2f3-1111-4e2b-9a1d-000000000001","chatType":"whatsapp",
            "chatId":"79123456789","type":"text","isEcho":false,"status":"inbound"}]})";
        CHECK(rig.post(path, again, kWazzupJson).status == 200);
        CHECK(rig.rows().size() == 2);
        CHECK(rig.counts() == std::vector<std::string>{"wazzup/accepted", "wazzup/duplicate"});
    }
    SECTION("bodies it cannot take: 415, 400") {
        CHECK(rig.post(path, R"({"test":true})", "text/plain").status == 415);
        auto bad = rig.post(path, R"({"statuses":[{"status":"read"}]})", kWazzupJson);
        CHECK(bad.status == 400);
        CHECK(bad.body == "statuses[0]: missing messageId\n");
        CHECK(rig.rows().empty());
    }
    CHECK(log.str().find(kSecret) == std::string::npos);
}

// Issue 18 §7: Wazzup's retry policy is undocumented, so a POST refused whole may lose real
// messages for good.
TEST_CASE("intake: a Wazzup POST with one malformed item keeps the good ones, answered 200",
          "[intake][integration]") {
    LogCapture log;
    Rig rig;
    const std::string path = "/hooks/wazzup/" + kSecret;
    const std::string body = R"({
      "messages":[{"messageId":"m-good","channelId":"c1","chatType":"whatsapp",
                   "chatId":"79123456789","type":"text","isEcho":false,"status":"inbound",
                   "text":"Здравствуйте"},
                  {"channelId":"c1","chatId":"79123456789","text":"no id"}],
      "statuses":[{"messageId":"out-1","status":"delivered"},
                  {"messageId":"out-2","status":"read","timestamp":"2150-01-01T00:00:00Z"}]})";
    auto r = rig.post(path, body, kWazzupJson);
    CHECK(r.status == 200);
    auto rows = rig.rows();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].event.entity_key == "chat:79123456789");
    CHECK(rows[1].event.entity_key == "wazzup_message:out-1");
    auto counts = rig.counts();
    CHECK(std::count(counts.begin(), counts.end(), "wazzup/item_rejected") == 2);
    CHECK(std::count(counts.begin(), counts.end(), "wazzup/accepted") == 1);
    auto lines = log.str();
    CHECK_THAT(lines, Catch::Contains("messages[1]: missing messageId"));
    CHECK_THAT(lines, Catch::Contains("statuses[1]: timestamp is not between 1970 and 2100"));

    // Only bad items: nothing to keep, and the sender hears why.
    auto all_bad = rig.post(path, R"({"messages":[{"channelId":"c1","chatId":"7"}]})", kWazzupJson);
    CHECK(all_bad.status == 400);
    CHECK(all_bad.body == "messages[0]: missing messageId\n");
    CHECK(rig.rows().size() == 2);
}

TEST_CASE("intake: what strangers can repeat is logged a few lines a minute, not once each",
          "[intake][integration]") {
    LogCapture log;
    Rig rig;
    // One Wazzup body with 10,000 unknown keys wrote 10,001 lines (issue 19 §7).
    std::string many = "{";
    for (int i = 0; i < 10000; ++i)
        many += std::string(i ? "," : "") + "\"unknownKind" + std::to_string(i) + "\":1";
    CHECK(rig.post("/hooks/wazzup/" + kSecret, many + "}", kWazzupJson).status == 200);
    // And 50 refused Bitrix24 bodies.
    for (int i = 0; i < 50; ++i)
        CHECK(rig.post("/hooks/bitrix", "event=ONCRMLEADADD&data%5BFIELDS").status == 400);
    auto lines = log.str();
    auto count_of = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto pos = lines.find(needle); pos != std::string::npos;
             pos = lines.find(needle, pos + 1))
            ++n;
        return n;
    };
    CHECK(count_of("not handled") == 1);
    CHECK_THAT(lines, Catch::Contains("and 9990 more"));
    CHECK(count_of("refused (400)") <= 10);
    CHECK(std::count(lines.begin(), lines.end(), '\n') <= 12);
}

TEST_CASE("intake: Bitrix24 ids that are not positive integers are 400 and not stored",
          "[intake][integration]") {
    Rig rig;
    for (std::string id : {"abc", "12345678901234567890", "%FF%FE", "-1", "0"}) {
        INFO(id);
        auto r = rig.post("/hooks/bitrix",
                          bitrix_body("event=ONCRMLEADUPDATE&data%5BFIELDS%5D%5BID%5D=" + id));
        CHECK(r.status == 400);
        CHECK(r.body.find('\n') == r.body.size() - 1);
    }
    CHECK(rig.rows().empty());
    // A wrong token still comes first: a stranger learns nothing about the id.
    CHECK(rig.post("/hooks/bitrix",
                   bitrix_body("event=ONCRMLEADUPDATE&data%5BFIELDS%5D%5BID%5D=abc", "forged"))
              .status == 401);
}

TEST_CASE(
    "intake: Bitrix24 forms with broken escapes or bytes that are not UTF-8 are 400, not "
    "stored altered",
    "[intake][integration]") {
    Rig rig;
    for (std::string title : {"100%25+%zz", "%C3%28", "50%", "\xff\xfe"}) {
        INFO(title);
        auto r =
            rig.post("/hooks/bitrix", bitrix_body("event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=1"
                                                  "&data%5BFIELDS%5D%5BTITLE%5D=" +
                                                  title));
        CHECK(r.status == 400);
    }
    CHECK(rig.rows().empty());
}

TEST_CASE("intake: a form nested 50,000 levels deep is 400 — one with too many fields 413",
          "[intake][integration]") {
    Rig rig;
    std::string deep = "data";
    for (int i = 0; i < 50000; ++i)
        deep += "[]";
    auto r = rig.post("/hooks/bitrix", deep + "=1");  // ~100 KB, within the byte limit
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("nested deeper"));
    std::string wide = kLeadAdd;
    for (int i = 0; i < 2000; ++i)
        wide += "&f" + std::to_string(i) + "=1";
    CHECK(rig.post("/hooks/bitrix", wide).status == 413);
    CHECK(rig.post("/hooks/bitrix", kLeadAdd).status == 200);  // still answering
    CHECK(rig.rows().size() == 1);
}

TEST_CASE("intake: Wazzup answers 404 everywhere while no secret is configured",
          "[intake][integration]") {
    Rig rig;
    rig.intake.update({kToken, ""});
    CHECK(rig.post("/hooks/wazzup/", R"({"test":true})", kWazzupJson).status == 404);
    CHECK(rig.post("/hooks/wazzup/" + kSecret, R"({"test":true})", kWazzupJson).status == 404);
}

}  // namespace intake_test
