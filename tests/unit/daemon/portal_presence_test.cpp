// What the portal says about people (im.user.get, timeman.status) and what that makes of
// "present": pure, no I/O.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "bitrix/datetime.hpp"
#include "daemon/portal_presence.hpp"

namespace portal_presence_test {

using namespace reglament;
using daemon::parse_im_user;
using daemon::parse_timeman_status;
using daemon::PortalPresence;
using daemon::PortalUser;
using nlohmann::json;

namespace {

TimePoint at(const std::string& iso) {
    auto t = bitrix::parse_datetime(iso);
    REQUIRE(t);
    return *t;
}

// im.user.get's answer as bitrix24.md "Users and absence" and the emulator give it.
json im_user(json id, json active, json absent) {
    return {{"id", std::move(id)},
            {"name", "Иван Петров"},
            {"first_name", "Иван"},
            {"last_name", "Петров"},
            {"active", std::move(active)},
            {"departments", json::array({1})},
            {"absent", std::move(absent)},
            {"bot", false},
            {"type", "user"}};
}

}  // namespace

TEST_CASE("presence: im.user.get's answer is read into active and the absence's end",
          "[daemon][presence]") {
    auto present = parse_im_user(im_user(11, true, false));
    REQUIRE(present);
    CHECK(present->id == "11");
    CHECK(present->active);
    CHECK_FALSE(present->absent_until);

    auto away = parse_im_user(im_user("11", true, "2026-03-02T10:00:00+03:00"));
    REQUIRE(away);
    CHECK(away->id == "11");
    REQUIRE(away->absent_until);
    CHECK(*away->absent_until == at("2026-03-02T07:00:00Z"));

    auto gone = parse_im_user(im_user(13, false, false));
    REQUIRE(gone);
    CHECK_FALSE(gone->active);
    // Older methods write "Y"/"N".
    CHECK_FALSE(parse_im_user(im_user(13, "N", false))->active);
    CHECK(parse_im_user(im_user(13, "Y", false))->active);
}

TEST_CASE("presence: an absence whose end cannot be read keeps the user away",
          "[daemon][presence]") {
    // A bare date names no instant (bitrix24.md §7): absent until a later answer says not.
    auto bare = parse_im_user(im_user(12, true, "2026-03-10"));
    REQUIRE(bare);
    REQUIRE(bare->absent_until);
    CHECK(*bare->absent_until == TimePoint::max());
    auto flag = parse_im_user(im_user(12, true, true));
    REQUIRE(flag->absent_until);
    // Fields the answer does not carry never block: active, not absent.
    auto sparse = parse_im_user(json{{"id", 12}});
    REQUIRE(sparse);
    CHECK(sparse->active);
    CHECK_FALSE(sparse->absent_until);
}

TEST_CASE("presence: an answer that names no user is refused", "[daemon][presence]") {
    CHECK_FALSE(parse_im_user(json()));
    CHECK_FALSE(parse_im_user(json::array()));
    CHECK_FALSE(parse_im_user(json{{"active", true}}));
    CHECK_FALSE(parse_im_user(json{{"id", ""}}));
}

TEST_CASE("presence: timeman.status gives the working day's STATUS", "[daemon][presence]") {
    CHECK(parse_timeman_status(json{{"STATUS", "OPENED"}, {"ACTIVE", true}}) == "OPENED");
    CHECK(parse_timeman_status(json{{"STATUS", "PAUSED"}}) == "PAUSED");
    CHECK_FALSE(parse_timeman_status(json{{"ACTIVE", true}}));
    CHECK_FALSE(parse_timeman_status(json("OPENED")));
}

TEST_CASE("presence: the portal allows a user unless inactive or absent at that moment",
          "[daemon][presence]") {
    PortalPresence p;
    const auto nine = at("2026-03-02T09:00:00+03:00");
    const auto ten = at("2026-03-02T10:00:00+03:00");
    // Nothing known yet: missing data never blocks distribution.
    CHECK(p.allows("10", nine));

    p.update(*parse_im_user(im_user(11, true, "2026-03-02T10:00:00+03:00")));
    CHECK_FALSE(p.allows("11", nine));
    CHECK_FALSE(p.allows("11", ten - std::chrono::milliseconds(1)));
    // Back the moment the absence ends, before any refresh.
    CHECK(p.allows("11", ten));

    p.update(*parse_im_user(im_user(13, false, false)));
    CHECK_FALSE(p.allows("13", nine));
    CHECK_FALSE(p.allows("13", ten));
    p.update(*parse_im_user(im_user(13, true, false)));
    CHECK(p.allows("13", nine));

    // A later answer replaces the absence.
    p.update(*parse_im_user(im_user(11, true, false)));
    CHECK(p.allows("11", nine));
    CHECK(p.allows("10", nine));
}

TEST_CASE("presence: with timeman only an opened working day is present", "[daemon][presence]") {
    const auto nine = at("2026-03-02T09:00:00+03:00");
    PortalPresence with(true);
    with.update_timeman("10", "OPENED");
    with.update_timeman("11", "PAUSED");
    with.update_timeman("12", "CLOSED");
    with.update_timeman("13", "EXPIRED");
    CHECK(with.allows("10", nine));
    CHECK_FALSE(with.allows("11", nine));
    CHECK_FALSE(with.allows("12", nine));
    CHECK_FALSE(with.allows("13", nine));
    CHECK(with.allows("14", nine));  // not read yet
    // An opened day does not override an absence or a deactivated account.
    with.update(*parse_im_user(im_user(10, false, false)));
    CHECK_FALSE(with.allows("10", nine));

    PortalPresence without;  // [people] use_timeman = false: the status is ignored
    without.update_timeman("11", "CLOSED");
    CHECK(without.allows("11", nine));
}

}  // namespace portal_presence_test
