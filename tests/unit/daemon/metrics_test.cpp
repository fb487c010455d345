#include <catch2/catch.hpp>

#include "daemon/metrics.hpp"

namespace metrics_test {

using reglament::daemon::Metrics;

TEST_CASE("metrics: counters render in the Prometheus text format", "[daemon][metrics]") {
    Metrics m;
    m.declare_counter("reglament_http_requests_total", "HTTP requests by path and status.");
    m.add("reglament_http_requests_total", {{"path", "/healthz"}, {"status", "200"}});
    m.add("reglament_http_requests_total", {{"path", "/healthz"}, {"status", "200"}});
    m.add("reglament_http_requests_total", {{"path", "/x\"y"}, {"status", "404"}});
    auto text = m.render();
    CHECK_THAT(text, Catch::Contains("# TYPE reglament_http_requests_total counter\n"));
    CHECK_THAT(text, Catch::Contains(
                         "reglament_http_requests_total{path=\"/healthz\",status=\"200\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("path=\"/x\\\"y\""));
    CHECK(m.value("reglament_http_requests_total", {{"path", "/healthz"}, {"status", "200"}}) == 2);
}

TEST_CASE("metrics: callback gauges are read at scrape time", "[daemon][metrics]") {
    Metrics m;
    int depth = 3;
    m.gauge_callback("reglament_outbox_depth", "Actions waiting.", [&] {
        return std::vector<std::pair<reglament::daemon::Labels, double>>{{{}, double(depth)}};
    });
    CHECK_THAT(m.render(), Catch::Contains("reglament_outbox_depth 3\n"));
    depth = 7;
    CHECK_THAT(m.render(), Catch::Contains("reglament_outbox_depth 7\n"));
    CHECK_THROWS(m.add("undeclared"));
}

}  // namespace metrics_test
