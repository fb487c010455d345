#include <catch2/catch.hpp>

#include "wazzup/channels.hpp"
#include "wazzup/delivery_status.hpp"
#include "wazzup/iso_time.hpp"
#include "wazzup/waba_window.hpp"

namespace window_status_channels_test {

using namespace reglament::wazzup;
using namespace std::chrono_literals;
using reglament::TimePoint;

namespace {
TimePoint at(const char* iso) {
    return *parse_iso_time(iso);
}
}  // namespace

TEST_CASE("Webhook times parse as UTC instants", "[wazzup]") {
    CHECK(at("2025-05-06T14:16:00.002Z").time_since_epoch() == 1746540960002ms);
    CHECK(at("2025-05-06T14:16:00.002") == at("2025-05-06T14:16:00.002Z"));
    CHECK(at("2025-05-06T17:16:00+03:00") == at("2025-05-06T14:16:00Z"));
    CHECK(at("2025-02-05T06:01:07.499123Z") == at("2025-02-05T06:01:07.499Z"));
    for (const char* bad :
         {"", "2025-05-06", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
          "2025-05-06T14:16:00Zjunk", "2025-05-06T25:00:00Z", "06.05.2025 14:16"}) {
        INFO(bad);
        CHECK_FALSE(parse_iso_time(bad));
    }
}

TEST_CASE("WABA window: text within 24 h of the client's last message", "[wazzup]") {
    TimePoint now = at("2026-11-25T10:00:00Z");
    CHECK(waba_window(std::nullopt, now) == WindowDecision::template_only);
    CHECK(waba_window(now - 23h - 59min, now) == WindowDecision::text_allowed);
    CHECK(waba_window(now - 24h, now) == WindowDecision::template_only);

    InboundWindows windows;
    windows.record("ch", "79123456789", now - 2h);
    windows.record("ch", "79123456789", now - 30h);  // a late webhook does not close the window
    CHECK(windows.decide("ch", "79123456789", now) == WindowDecision::text_allowed);
    CHECK(windows.decide("other", "79123456789", now) == WindowDecision::template_only);
    CHECK(windows.decide("ch", "79123456789", now + 22h) == WindowDecision::template_only);
}

TEST_CASE("Statuses never go backwards — error is final — read stays read", "[wazzup]") {
    using S = DeliveryStatus;
    CHECK(merge_status(S::none, S::sent) == S::sent);
    CHECK(merge_status(S::sent, S::delivered) == S::delivered);
    CHECK(merge_status(S::delivered, S::read) == S::read);
    CHECK(merge_status(S::read, S::delivered) == S::read);
    CHECK(merge_status(S::read, S::sent) == S::read);
    CHECK(merge_status(S::delivered, S::sent) == S::delivered);
    CHECK(merge_status(S::sent, S::error) == S::error);
    CHECK(merge_status(S::error, S::read) == S::error);
    CHECK(merge_status(S::read, S::error) == S::read);
    CHECK(merge_status(S::delivered, S::edited) == S::delivered);
    CHECK(merge_status(S::sent, S::unknown) == S::sent);
    CHECK(parse_delivery_status("READ") == S::read);
    CHECK(parse_delivery_status("seen") == S::unknown);
    CHECK(to_string(S::delivered) == "delivered");
}

TEST_CASE("GET /v3/channels: bare array, states case-insensitive, unknown not sendable",
          "[wazzup]") {
    auto list = parse_channels(R"([
      {"channelId":"a1","transport":"whatsapp","plainId":"79865784457","state":"active"},
      {"channelId":"b2","transport":"wapi","plainId":"79000000000","state":"ACTIVE","name":"WABA"},
      {"channelId":"c3","transport":"whatsapp","plainId":"7911","state":"qridle"},
      {"channelId":"d4","transport":"tgapi","state":"somethingNew"},
      {"transport":"whatsapp","state":"active"}, 5])");
    REQUIRE(list);
    REQUIRE(list->size() == 4);
    CHECK((*list)[0].sendable());
    CHECK((*list)[1].sendable());
    CHECK((*list)[1].is_waba());
    CHECK((*list)[1].name == "WABA");
    CHECK_FALSE((*list)[2].sendable());
    CHECK_FALSE((*list)[3].sendable());
    CHECK((*list)[3].state == "somethingNew");

    CHECK(parse_channels("[]")->empty());
    CHECK(parse_channels(R"({"data":[{"channelId":"x","state":"active"}]})")->size() == 1);
    CHECK(parse_channels("nope").error() == "channel list is not JSON");
    CHECK(parse_channels(R"({"error":"x"})").error() == "channel list is not a JSON array");
}

TEST_CASE("Channel updates change what is sendable", "[wazzup]") {
    ChannelRegistry registry;
    registry.replace(
        *parse_channels(R"([{"channelId":"a1","transport":"wapi","state":"active"}])"));
    REQUIRE(registry.find("a1"));
    CHECK(registry.find("a1")->sendable());
    registry.apply(ChannelUpdate{"a1", "phoneUnavailable", "", std::nullopt});
    CHECK_FALSE(registry.find("a1")->sendable());
    CHECK(registry.find("a1")->is_waba());  // the transport is kept
    registry.apply(ChannelUpdate{"z9", "active", "", std::nullopt});
    CHECK(registry.find("z9")->sendable());
    CHECK(registry.find("missing") == nullptr);
}

TEST_CASE("Setup explains a channel that cannot send", "[wazzup]") {
    auto list = *parse_channels(R"([
      {"channelId":"a1","transport":"whatsapp","plainId":"79865784457","state":"active"},
      {"channelId":"b2","transport":"whatsapp","plainId":"79865784458","state":"qridle"}])");
    CHECK(check_channel(list, "a1"));
    auto qr = check_channel(list, "b2");
    REQUIRE_FALSE(qr);
    CHECK(qr.error() ==
          "channel b2 (79865784458) is \"qridle\", not active: scan the QR code in Wazzup's "
          "personal account");
    CHECK(check_channel(list, "zz").error() ==
          "channel zz is not in this Wazzup account (it has: a1, b2)");
    CHECK(check_channel({}, "zz").error() ==
          "channel zz is not in this Wazzup account (it has no channels)");
}

}  // namespace window_status_channels_test
