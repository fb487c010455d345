// [rules.<ID>]: one table per regulation (REGULATIONS.md). Parameters stay generic until the
// rule issues type them, but their references to [people] and [wazzup.templates] are checked
// now: a rule that notifies a head who does not exist would fail silently at 3 a.m.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "config/sections.hpp"
#include "rules/registry.hpp"

namespace reglament::config {

namespace {

enum class Reference { none, person, user_id, template_name };

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Which parameters name what is decided by their key, documented in reglament.example.toml.
Reference reference_of(std::string_view key) {
    for (std::string_view word : {"head", "heads", "manager", "managers", "person", "people"}) {
        if (key == word || ends_with(key, "_" + std::string(word))) return Reference::person;
    }
    for (std::string_view word : {"user_id", "user_ids"}) {
        if (key == word || ends_with(key, "_" + std::string(word))) return Reference::user_id;
    }
    for (std::string_view word : {"template", "templates"}) {
        if (key == word || ends_with(key, "_" + std::string(word))) return Reference::template_name;
    }
    return Reference::none;
}

nlohmann::json to_json(const toml::node& node) {
    if (const auto* table = node.as_table()) {
        auto object = nlohmann::json::object();
        for (auto&& [key, value] : *table)
            object[std::string(key.str())] = to_json(value);
        return object;
    }
    if (const auto* array = node.as_array()) {
        auto list = nlohmann::json::array();
        for (const auto& value : *array)
            list.push_back(to_json(value));
        return list;
    }
    if (const auto* s = node.as_string()) return s->get();
    if (const auto* i = node.as_integer()) return i->get();
    if (const auto* f = node.as_floating_point()) return f->get();
    if (const auto* b = node.as_boolean()) return b->get();
    std::ostringstream text;  // dates and times keep their TOML (ISO 8601) spelling
    node.visit([&](const auto& value) { text << value; });
    return text.str();
}

class ReferenceChecker {
  public:
    ReferenceChecker(const Config& config, Report& report) : config_(config), report_(report) {}

    void check(const toml::node& node, std::string_view key, const std::string& path) {
        if (const auto* table = node.as_table()) {
            for (auto&& [k, v] : *table)
                check(v, k.str(), path + "." + std::string(k.str()));
            return;
        }
        if (const auto* array = node.as_array()) {
            for (const auto& element : *array)
                check(element, key, path);
            return;
        }
        switch (reference_of(key)) {
            case Reference::none:
                return;
            case Reference::person:
                return check_person(node, path);
            case Reference::user_id:
                return check_user_id(node, path);
            case Reference::template_name:
                return check_template(node, path);
        }
    }

  private:
    void check_person(const toml::node& node, const std::string& path) {
        const auto* name = node.as_string();
        // A switch such as notify_head = true is a rule's own parameter, not a reference.
        if (node.as_boolean() != nullptr) return;
        if (name == nullptr) {
            report_.error(node.source(), path +
                                             " must name a person of [people] (a string), "
                                             "not " +
                                             std::string(describe(node.type())));
        } else if (config_.people.find(name->get()) == nullptr) {
            report_.error(node.source(), path + " names '" + name->get() +
                                             "', who is not in [people.managers] or "
                                             "[people.heads]");
        }
    }

    void check_user_id(const toml::node& node, const std::string& path) {
        const auto* id = node.as_integer();
        if (id == nullptr) {
            report_.error(node.source(), path + " must be a Bitrix24 user id (an integer), not " +
                                             std::string(describe(node.type())));
        } else if (config_.people.find_user(id->get()) == nullptr) {
            report_.error(node.source(), path + ": user id " + std::to_string(id->get()) +
                                             " is nobody's in [people]");
        }
    }

    void check_template(const toml::node& node, const std::string& path) {
        const auto* name = node.as_string();
        // "" is a slot the business has not written yet (ОП-2's "(НАПИСАТЬ ШАБЛОН)"): the
        // rule skips that step and warns, it is not an error.
        if (name != nullptr && name->get().empty()) return;
        if (name == nullptr) {
            report_.error(node.source(), path + " must name a template (a string), not " +
                                             std::string(describe(node.type())));
        } else if (!config_.wazzup) {
            report_.error(node.source(), path + " names template '" + name->get() +
                                             "' but there is no [wazzup] section");
        } else if (config_.wazzup->templates.count(name->get()) == 0) {
            report_.error(node.source(), path + " names template '" + name->get() +
                                             "', which is not in [wazzup.templates]");
        }
    }

    const Config& config_;
    Report& report_;
};

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

}  // namespace

void read_rules(TableReader& reader, Config& config) {
    for (auto id : rule_ids)
        config.rules[std::string(id)] = RuleSettings{std::string(id)};
    ReferenceChecker references(config, reader.report());
    for (auto&& [key, node] : reader.table()) {
        const std::string id(key.str());
        if (std::find(rule_ids.begin(), rule_ids.end(), id) == rule_ids.end()) {
            std::string message = "unknown rule id '" + id +
                                  "' in [rules]; the rules are L1-L5, C1-C2, H1-H7, D1-D7, "
                                  "R1-R5 (REGULATIONS.md)";
            if (std::find(rule_ids.begin(), rule_ids.end(), upper(id)) != rule_ids.end()) {
                message += "; did you mean '" + upper(id) + "'?";
            }
            reader.report().error(key.source(), std::move(message));
            continue;
        }
        const auto* table = node.as_table();
        if (table == nullptr) {
            reader.report().error(node.source(), "rules." + id + " must be a table, not " +
                                                     std::string(describe(node.type())));
            continue;
        }
        auto& rule = config.rules[id];
        TableReader rule_reader(*table, "rules." + id, reader.report());
        rule.enabled = rule_reader.boolean("enabled").value_or(true);
        rule.dry_run = rule_reader.boolean("dry_run").value_or(false);
        for (auto&& [param, value] : *table) {
            if (param.str() == "enabled" || param.str() == "dry_run") continue;
            // Parameters are free-form for now, but a misspelt switch must not pass as one and
            // leave the rule on.
            if (auto guess = closest(param.str(), {"enabled", "dry_run"}); !guess.empty()) {
                reader.report().error(param.source(), "unknown key '" + std::string(param.str()) +
                                                          "' in [rules." + id +
                                                          "] (did you mean '" + guess + "'?)");
                continue;
            }
            references.check(value, param.str(), "rules." + id + "." + std::string(param.str()));
            rule.params[std::string(param.str())] = to_json(value);
        }
        rule_reader.accept_all();
        // Each rule checks its own parameters (types, times, texts); unknown ones are errors
        // too, so a typo cannot silently fall back to a default.
        for (const auto& problem : rules::validate_rule_params(id, rule.params))
            reader.report().error(key.source(), problem);
    }
    reader.accept_all();
}

}  // namespace reglament::config
