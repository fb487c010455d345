#include <catch2/catch.hpp>

#include "bitrix/batch.hpp"
#include "net/form.hpp"

namespace batch_test {

using namespace reglament::bitrix;
using nlohmann::json;

TEST_CASE("batch: commands are PHP query strings under non-numeric keys", "[bitrix][batch]") {
    CommandKeys keys;
    std::vector<Command> cmds = {
        {keys.next(),
         "crm.lead.list",
         {{"filter", {{">ID", "5"}, {"@STATUS_ID", {"NEW", "IN_PROCESS"}}}},
          {"select", {"ID", "TITLE"}},
          {"order", {{"ID", "ASC"}}},
          {"start", -1}}},
        {keys.next(), "crm.lead.get", {{"id", "7"}}},
        {keys.next(), "user.current", json::object()},
    };
    auto params = batch_params(cmds, false);
    CHECK(params["halt"] == 0);
    REQUIRE(params["cmd"].is_object());
    CHECK(params["cmd"].size() == 3);
    CHECK(params["cmd"]["c2"] == "crm.lead.get?id=7");
    CHECK(params["cmd"]["c3"] == "user.current");
    std::string list = params["cmd"]["c1"];
    REQUIRE(list.rfind("crm.lead.list?", 0) == 0);
    auto decoded = reglament::net::decode_form(list.substr(list.find('?') + 1));
    CHECK(decoded["filter"][">ID"] == "5");
    CHECK(decoded["filter"]["@STATUS_ID"][1] == "IN_PROCESS");
    CHECK(decoded["select"][0] == "ID");
    CHECK(decoded["order"]["ID"] == "ASC");
    CHECK(decoded["start"] == "-1");
    // The JSON body keeps the query plain: '&' is not re-encoded.
    CHECK(params.dump().find("%2526") == std::string::npos);
    CHECK(batch_params(cmds, true)["halt"] == 1);
}

TEST_CASE("batch: nested batch and file methods are not batchable", "[bitrix][batch]") {
    CHECK_FALSE(batchable("batch"));
    CHECK_FALSE(batchable("disk.folder.uploadfile"));
    CHECK(batchable("crm.deal.update"));
}

TEST_CASE("batch: results and errors are routed to their callers", "[bitrix][batch]") {
    auto env = parse_envelope(200, R"({"result":{
        "result":{"c1":[{"ID":"1"}],"c3":true,"c4":null},
        "result_error":{"c2":{"error":"NOT_FOUND","error_description":"Not found"}},
        "result_total":{"c1":120},"result_next":{"c1":50},
        "result_time":{"c1":{"operating":2.5}}},"time":{"operating":3}})");
    REQUIRE(env.ok());
    auto out = route_batch(parse_batch(env.result), {"c1", "c2", "c3", "c4"});
    REQUIRE(out.size() == 4);
    CHECK(out[0].ok());
    CHECK(out[0].result[0]["ID"] == "1");
    CHECK(out[0].total == 120);
    CHECK(out[0].next == 50);
    CHECK(out[0].time.operating == Approx(2.5));
    REQUIRE(out[1].error);
    CHECK(out[1].error->code == "NOT_FOUND");
    CHECK(out[2].result == true);
    CHECK(out[3].ok());  // a null result is a result (crm.timeline.item.pin)
    CHECK(out[3].result.is_null());
}

TEST_CASE("batch: keyless result_error pairs only when counts match", "[bitrix][batch]") {
    auto b = parse_batch(json::parse(R"({"result":{"c1":{"ID":"1"}},
        "result_error":[{"error":"NOT_FOUND","error_description":"Not found"}]})"));
    auto paired = route_batch(b, {"c1", "c2"});
    CHECK(paired[0].ok());
    REQUIRE(paired[1].error);
    CHECK(paired[1].error->code == "NOT_FOUND");
    auto unpaired = route_batch(b, {"c1", "c2", "c3"});
    REQUIRE(unpaired[1].error);
    CHECK(unpaired[1].error->code == std::string(codes::result_missing));
    CHECK(unpaired[2].error->code == std::string(codes::result_missing));
}

TEST_CASE("batch: an all-failed batch with PHP empty arrays", "[bitrix][batch]") {
    auto b =
        parse_batch(json::parse(R"({"result":[],"result_error":{"c9":{"error":"ACCESS_DENIED"}},
        "result_total":[],"result_next":[],"result_time":[]})"));
    auto out = route_batch(b, {"c9"});
    REQUIRE(out[0].error);
    CHECK(out[0].error->is("access_denied"));
}

}  // namespace batch_test
