// What a failed call says about asking again (bitrix/error.hpp): the engine parks what is
// refused, waits out what is transient, and waits for a reload on a rejected credential.
#include <catch2/catch.hpp>

#include "bitrix/error.hpp"

namespace fault_test {

using reglament::bitrix::Error;
using reglament::bitrix::Fault;
using reglament::bitrix::fault_of;

TEST_CASE("bitrix fault: a 401 or an auth code is a rejected credential", "[bitrix][fault]") {
    CHECK(fault_of({"NO_AUTH_FOUND", "Wrong authorization data", 401}) == Fault::auth_rejected);
    CHECK(fault_of({"INVALID_CREDENTIALS", "", 401}) == Fault::auth_rejected);
    CHECK(fault_of({"expired_token", "", 401}) == Fault::auth_rejected);
    CHECK(fault_of({"REAUTHORISE", "refresh token rejected", 0}) == Fault::auth_rejected);
    CHECK(fault_of({"SOMETHING", "", 401}) == Fault::auth_rejected);
}

TEST_CASE("bitrix fault: outages and limits are transient, also inside a batch",
          "[bitrix][fault]") {
    CHECK(fault_of({"TIMEOUT", "", 0}) == Fault::transient);
    CHECK(fault_of({"CONNECT_FAILED", "", 0}) == Fault::transient);
    CHECK(fault_of({"QUERY_LIMIT_EXCEEDED", "", 503}) == Fault::transient);
    CHECK(fault_of({"OPERATION_TIME_LIMIT", "", 0}) == Fault::transient);
    CHECK(fault_of({"INTERNAL_SERVER_ERROR", "", 0}) == Fault::transient);  // batch: no status
    CHECK(fault_of({"", "Bad gateway", 502}) == Fault::transient);
}

TEST_CASE("bitrix fault: a refusal is final, with or without an HTTP status", "[bitrix][fault]") {
    CHECK(fault_of({"INVALID_ARG_VALUE", "Parameter 'id' must be an integer", 400}) ==
          Fault::refused);
    // Inside a batch the same refusal has no status: it used to count as an outage, retried
    // for ever with the whole engine backing off.
    CHECK(fault_of({"INVALID_ARG_VALUE", "Parameter 'id' must be an integer", 0}) ==
          Fault::refused);
    CHECK(fault_of({"INVALID_PARAMS", "invalid UTF-8", 0}) == Fault::refused);
    CHECK(fault_of({"ACCESS_DENIED", "", 403}) == Fault::refused);
    // A missing scope refuses some methods only: no reason to stop everything else.
    CHECK(fault_of({"insufficient_scope", "", 401}) == Fault::refused);
}

}  // namespace fault_test
