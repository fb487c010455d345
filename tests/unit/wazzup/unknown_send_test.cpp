#include <catch2/catch.hpp>

#include "wazzup/unknown_send.hpp"

namespace unknown_send_test {

using namespace reglament;
using namespace reglament::wazzup;
using namespace std::chrono_literals;

namespace {

const TimePoint kFirst = TimePoint(std::chrono::milliseconds(1'772'434'800'000));  // 09:00 MSK

}  // namespace

TEST_CASE("unknown send: repeated only inside Wazzup's 60 s crmMessageId window",
          "[wazzup][unknown_send]") {
    CHECK(decide_unknown_send(kFirst, std::nullopt, kFirst + 5s).step == UnknownSendStep::resend);
    CHECK(decide_unknown_send(kFirst, std::nullopt, kFirst + 49s).step == UnknownSendStep::resend);
    // Past the window less the margin a repeat could reach the client a second time.
    auto later = decide_unknown_send(kFirst, std::nullopt, kFirst + 61s);
    CHECK(later.step == UnknownSendStep::wait);
    CHECK(later.look_again == kFirst + 91s);
    CHECK(decide_unknown_send(kFirst, std::nullopt, kFirst + 4min + 50s).look_again ==
          kFirst + 5min);
}

TEST_CASE("unknown send: its echo settles it, with no echo it is given up, never resent",
          "[wazzup][unknown_send]") {
    CHECK(decide_unknown_send(kFirst, kFirst + 1s, kFirst + 2min).step == UnknownSendStep::sent);
    CHECK(decide_unknown_send(kFirst, kFirst + 1s, kFirst + 3s).step == UnknownSendStep::sent);
    CHECK(decide_unknown_send(kFirst, std::nullopt, kFirst + 5min).step ==
          UnknownSendStep::give_up);
    CHECK(decide_unknown_send(kFirst, std::nullopt, kFirst + 3h).step == UnknownSendStep::give_up);
    // An echo of the same text long before or long after is someone else's message.
    CHECK(decide_unknown_send(kFirst, kFirst - 1h, kFirst + 2min).step == UnknownSendStep::wait);
    CHECK_FALSE(echo_matches(kFirst, kFirst + 1h));
    CHECK(echo_matches(kFirst, kFirst - 30s));  // Wazzup's clock a little behind ours
}

TEST_CASE("unknown send: the echo's fingerprint is the send's", "[wazzup][unknown_send]") {
    const auto ours = echo_fingerprint("chan-1", "79991234567", "Не дозвонились", false);
    CHECK(ours == echo_fingerprint("chan-1", "79991234567", "Не дозвонились", false));
    CHECK(ours != echo_fingerprint("chan-1", "79991234567", "Другой текст", false));
    CHECK(ours != echo_fingerprint("chan-1", "79991234568", "Не дозвонились", false));
    CHECK(ours != echo_fingerprint("chan-2", "79991234567", "Не дозвонились", false));
    // A template's echo text is Wazzup's rendering: the template is matched by its kind.
    CHECK(echo_fingerprint("chan-2", "79991234567", "", true) ==
          echo_fingerprint("chan-2", "79991234567", "Здравствуйте!", true));
    CHECK(ours.size() <= 64);
}

}  // namespace unknown_send_test
