#include "config/toml_reader.hpp"

#include <algorithm>
#include <limits>

namespace reglament::config {

Problem Report::at(const toml::source_region& where, std::string message) const {
    return Problem{file_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                   std::move(message)};
}

void Report::error(const toml::source_region& where, std::string message) {
    errors_.push_back(at(where, std::move(message)));
}

void Report::warning(const toml::source_region& where, std::string message) {
    warnings_.push_back(at(where, std::move(message)));
}

std::string_view describe(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "true or false";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    // An abbreviation ("mon" for "monday") is a typo too, however far by edits.
    if (word.size() >= 3) {
        for (const auto& candidate : candidates) {
            if (candidate.size() > word.size() && candidate.compare(0, word.size(), word) == 0) {
                return candidate;
            }
        }
    }
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& candidate : candidates) {
        const auto d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    // Two edits or a third of the word: beyond that a suggestion misleads more than it helps.
    const auto limit = std::max<std::size_t>(2, word.size() / 3);
    return best_distance <= limit ? best : std::string{};
}

TableReader::TableReader(const toml::table& table, std::string name, Report& report)
    : table_(table), name_(std::move(name)), report_(report) {}

TableReader::~TableReader() {
    std::vector<std::string> known(read_.begin(), read_.end());
    for (auto&& [key, value] : table_) {
        if (read_.count(key.str()) > 0) continue;
        std::string message = "unknown key '" + std::string(key.str()) + "' " +
                              (name_.empty() ? "at the top level" : "in [" + name_ + "]");
        if (auto guess = closest(key.str(), known); !guess.empty()) {
            message += " (did you mean '" + guess + "'?)";
        }
        report_.error(key.source(), std::move(message));
    }
}

std::string TableReader::path(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
}

const toml::node* TableReader::node(std::string_view key) {
    read_.insert(std::string(key));
    return table_.get(key);
}

void TableReader::wrong_type(std::string_view key, const toml::node& node,
                             std::string_view expected) {
    report_.error(node.source(), path(key) + " must be " + std::string(expected) + ", not " +
                                     std::string(describe(node.type())));
}

std::optional<std::string> TableReader::string(std::string_view key) {
    const auto* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* s = n->as_string()) return s->get();
    wrong_type(key, *n, "a string");
    return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
    const auto* n = node(key);
    if (n == nullptr) return std::nullopt;
    const auto* i = n->as_integer();
    if (i == nullptr) {
        wrong_type(key, *n, "an integer");
        return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
        report_.error(n->source(), path(key) + " must be between " + std::to_string(min) + " and " +
                                       std::to_string(max));
        return std::nullopt;
    }
    return i->get();
}

std::optional<double> TableReader::number(std::string_view key) {
    const auto* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* f = n->as_floating_point()) return f->get();
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    wrong_type(key, *n, "a number");
    return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const auto* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    wrong_type(key, *n, "true or false");
    return std::nullopt;
}

const toml::table* TableReader::table(std::string_view key) {
    const auto* n = node(key);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    wrong_type(key, *n, "a table");
    return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
    const auto* n = node(key);
    if (n == nullptr) return nullptr;
    if (const auto* a = n->as_array()) return a;
    wrong_type(key, *n, "an array");
    return nullptr;
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key) {
    const auto* a = array(key);
    if (a == nullptr) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& element : *a) {
        if (const auto* s = element.as_string()) {
            out.push_back(s->get());
        } else {
            report_.error(element.source(), path(key) + " must hold strings, not " +
                                                std::string(describe(element.type())));
        }
    }
    return out;
}

void TableReader::accept_all() {
    for (auto&& [key, value] : table_)
        read_.insert(std::string(key.str()));
}

}  // namespace reglament::config
