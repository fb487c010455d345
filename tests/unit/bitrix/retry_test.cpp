#include <catch2/catch.hpp>

#include "bitrix/envelope.hpp"
#include "bitrix/retry.hpp"

namespace retry_test {

using namespace reglament::bitrix;
using namespace std::chrono_literals;

namespace {
Error err(std::string code, int status) {
    return Error{std::move(code), "", status};
}
}  // namespace

TEST_CASE("retry: methods are classified by name, creates stay creates", "[bitrix][retry]") {
    CHECK(infer_idempotency("crm.lead.get") == Idempotency::read);
    CHECK(infer_idempotency("crm.item.list") == Idempotency::read);
    CHECK(infer_idempotency("voximplant.statistic.get") == Idempotency::read);
    CHECK(infer_idempotency("crm.duplicate.findbycomm") == Idempotency::read);
    CHECK(infer_idempotency("crm.deal.add") == Idempotency::not_idempotent);
    CHECK(infer_idempotency("crm.deal.update") == Idempotency::not_idempotent);
    CHECK(effective_idempotency("crm.deal.update", Idempotency::idempotent) ==
          Idempotency::idempotent);
    CHECK(effective_idempotency("tasks.task.add", Idempotency::idempotent) ==
          Idempotency::not_idempotent);
    CHECK(effective_idempotency("im.notify.system.add", Idempotency::read) ==
          Idempotency::not_idempotent);
    CHECK(is_create("crm.activity.todo.add"));
    CHECK_FALSE(is_create("crm.address.list"));
}

TEST_CASE("retry: limit refusals are retried even for creates", "[bitrix][retry]") {
    for (auto code : {"QUERY_LIMIT_EXCEEDED", "query_limit_exceeded", "OPERATION_TIME_LIMIT"}) {
        auto d = classify(err(code, 503), Idempotency::not_idempotent, 1);
        CHECK(d.action == RetryAction::retry);
    }
    CHECK(classify(err("QUERY_LIMIT_EXCEEDED", 503), Idempotency::read, 13).action ==
          RetryAction::fail);
}

TEST_CASE("retry: ambiguous failures only for reads and idempotent writes", "[bitrix][retry]") {
    auto html = parse_envelope(502, "<html>Bad gateway</html>").error.value();
    for (const auto& e :
         {err("INTERNAL_SERVER_ERROR", 500), err("HTTP_503", 503),
          err(std::string(codes::timeout), 0), err(std::string(codes::transport), 0), html}) {
        INFO(e.to_string());
        auto read = classify(e, Idempotency::read, 1);
        CHECK(read.action == RetryAction::retry);
        CHECK(read.wait == 500ms);
        CHECK(classify(e, Idempotency::idempotent, 2).wait == 1000ms);
        CHECK(classify(e, Idempotency::not_idempotent, 1).action == RetryAction::outcome_unknown);
        CHECK(classify(e, Idempotency::read, 5).action == RetryAction::fail);
    }
}

TEST_CASE("retry: a connection never made is safe for creates", "[bitrix][retry]") {
    auto d = classify(err(std::string(codes::connect_failed), 0), Idempotency::not_idempotent, 1);
    CHECK(d.action == RetryAction::retry);
}

TEST_CASE("retry: tokens refresh, invalid_grant is fatal, 4xx final", "[bitrix][retry]") {
    CHECK(classify(err("expired_token", 401), Idempotency::read, 1).action ==
          RetryAction::refresh_token);
    CHECK(classify(err("INVALID_TOKEN", 401), Idempotency::not_idempotent, 1).action ==
          RetryAction::refresh_token);
    CHECK(classify(err("invalid_grant", 400), Idempotency::read, 1).action ==
          RetryAction::reauthorise);
    for (const auto& e :
         {err("ACCESS_DENIED", 403), err("NOT_FOUND", 400), err("ERROR_METHOD_NOT_FOUND", 404),
          err("NO_AUTH_FOUND", 401), err("OVERLOAD_LIMIT", 503), err("PORTAL_DELETED", 500)})
        CHECK(classify(e, Idempotency::read, 1).action == RetryAction::fail);
}

TEST_CASE("retry: backoff doubles and is capped", "[bitrix][retry]") {
    RetryPolicy p;
    CHECK(backoff(1, p) == 500ms);
    CHECK(backoff(3, p) == 2000ms);
    CHECK(backoff(20, p) == 30s);
}

}  // namespace retry_test
