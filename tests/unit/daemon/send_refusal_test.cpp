#include <catch2/catch.hpp>

#include "daemon/send_refusal.hpp"

namespace send_refusal_test {

using namespace reglament::daemon;

TEST_CASE("send refusal: every refusal has a reason the manager reads and a metric label",
          "[daemon][wazzup]") {
    CHECK(classify_refusal("BAD_CONTACT").label == "no_whatsapp");
    CHECK(classify_refusal("CHANNEL_NOT_ACTIVE").label == "channel_down");
    CHECK(classify_refusal("messageChannelUnavailable").label == "channel_down");
    CHECK(classify_refusal("TEMPLATE_REJECTED").label == "template_rejected");
    CHECK(classify_refusal("24_HOURS_EXCEEDED").label == "outside_24h_window");
    CHECK(classify_refusal("TEMPLATE_NEEDS_WABA").label == "wrong_channel");
    CHECK(classify_refusal("VALIDATION_ERROR").label == "refused");
    CHECK(classify_refusal("VALIDATION_ERROR").reason_text == "Wazzup отказал (VALIDATION_ERROR)");
    auto unknown = classify_refusal("OUTCOME_UNKNOWN");
    CHECK(unknown.label == "outcome_unknown");
    CHECK(unknown.outcome_unknown);
    CHECK(refusal_notice("«{template}» для «{title}»: {reason}. {reason}", "Недозвон",
                         "Заявка с сайта", "нет WhatsApp") ==
          "«Недозвон» для «Заявка с сайта»: нет WhatsApp. нет WhatsApp");
}

}  // namespace send_refusal_test
