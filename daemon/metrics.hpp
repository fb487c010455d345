// Counters and gauges exposed at GET /metrics in the Prometheus text exposition format 0.0.4.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace reglament::daemon {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
  public:
    // Declares a family; counters and gauges must be declared before use.
    void declare_counter(const std::string& name, const std::string& help);
    void declare_gauge(const std::string& name, const std::string& help);
    // Both are on the webhook path (two per request): the label set is rendered before the
    // lock is taken, and the family is found without building a string of its name.
    void add(std::string_view name, const Labels& labels = {}, double value = 1);
    void set(std::string_view name, const Labels& labels, double value);
    // A gauge computed when scraped (queue depths read from the store, uptime).
    void gauge_callback(const std::string& name, const std::string& help,
                        std::function<std::vector<std::pair<Labels, double>>()> read);
    // A counter another component keeps (the REST client's request counts), read when scraped.
    void counter_callback(const std::string& name, const std::string& help,
                          std::function<std::vector<std::pair<Labels, double>>()> read);
    double value(const std::string& name, const Labels& labels = {}) const;

    std::string render() const;  // text format 0.0.4

  private:
    struct Family {
        std::string help;
        std::string type;
        std::map<std::string, double> series;  // rendered label set -> value
        std::function<std::vector<std::pair<Labels, double>>()> read;
    };
    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
};

std::string render_labels(const Labels& labels);

}  // namespace reglament::daemon
