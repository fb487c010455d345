#include "daemon/metrics.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace reglament::daemon {

namespace {
void append_escaped_label(std::string& out, const std::string& v) {
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    std::ostringstream s;
    s.precision(15);
    s << v;
    return s.str();
}
}  // namespace

std::string render_labels(const Labels& labels) {
    if (labels.empty()) return {};
    std::string out = "{";
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out += ',';
        out += labels[i].first;
        out += "=\"";
        append_escaped_label(out, labels[i].second);
        out += '"';
    }
    out += '}';
    return out;
}

void Metrics::declare_counter(const std::string& name, const std::string& help) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "counter", {}, nullptr};
}

void Metrics::declare_gauge(const std::string& name, const std::string& help) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "gauge", {}, nullptr};
}

void Metrics::gauge_callback(const std::string& name, const std::string& help,
                             std::function<std::vector<std::pair<Labels, double>>()> read) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "gauge", {}, std::move(read)};
}

void Metrics::counter_callback(const std::string& name, const std::string& help,
                               std::function<std::vector<std::pair<Labels, double>>()> read) {
    std::lock_guard lock(mutex_);
    families_[name] = Family{help, "counter", {}, std::move(read)};
}

void Metrics::add(std::string_view name, const Labels& labels, double value) {
    std::string series = render_labels(labels);
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) throw std::logic_error("metric not declared: " + std::string(name));
    it->second.series[std::move(series)] += value;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
    std::string series = render_labels(labels);
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) throw std::logic_error("metric not declared: " + std::string(name));
    it->second.series[std::move(series)] = value;
}

double Metrics::value(const std::string& name, const Labels& labels) const {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) return 0;
    auto s = it->second.series.find(render_labels(labels));
    return s == it->second.series.end() ? 0 : s->second;
}

std::string Metrics::render() const {
    std::vector<std::pair<std::string, Family>> copy;
    {
        std::lock_guard lock(mutex_);
        copy.assign(families_.begin(), families_.end());
    }
    std::string out;
    for (auto& [name, family] : copy) {
        if (family.read)
            for (auto& [labels, v] : family.read())
                family.series[render_labels(labels)] = v;
        out += "# HELP " + name + " " + family.help + "\n";
        out += "# TYPE " + name + " " + family.type + "\n";
        for (const auto& [labels, v] : family.series)
            out += name + labels + " " + format_value(v) + "\n";
    }
    return out;
}

}  // namespace reglament::daemon
