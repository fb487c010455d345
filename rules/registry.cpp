#include "rules/registry.hpp"

#include <stdexcept>

#include "rules/deal/factory.hpp"
#include "rules/lead/factories.hpp"

namespace reglament::rules {

namespace {

using Factory = std::unique_ptr<Rule> (*)(Params&);

struct Entry {
    std::string_view id;
    Factory make;
};

constexpr Entry entries[] = {
    {"L1", make_l1_distribution},  {"L2", make_l2_duplicates},        {"L3", make_l3_data_check},
    {"L4", make_l4_take_in_sla},   {"L5", make_l5_missed_first_call}, {"C1", make_c1_no_meeting},
    {"C2", make_c2_no_show},       {"H1", make_h1_next_step},         {"H2", make_h2_overdue},
    {"H3", make_h3_no_postponing}, {"H4", make_h4_result_comment},    {"H5", make_h5_chat_answer},
    {"H6", make_h6_missed_call},   {"H7", make_h7_incubator},
};

// C3, C4 …: further cadences an admin adds in config, built like C1 (cadence.hpp).
bool extra_cadence_id(std::string_view id) {
    if (id.size() < 2 || id[0] != 'C' || id == "C1" || id == "C2") return false;
    for (char c : id.substr(1))
        if (c < '0' || c > '9') return false;
    return id[1] != '0';
}

constexpr Entry extra_cadence{"C*", make_c1_no_meeting};

const Entry* find(std::string_view id) {
    for (const auto& e : entries)
        if (e.id == id) return &e;
    return extra_cadence_id(id) ? &extra_cadence : nullptr;
}

struct Parsed {
    std::unique_ptr<Rule> rule;
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    nlohmann::json effective;
};

Parsed parse(std::string_view id, const nlohmann::json& params) {
    const Entry* e = find(id);
    if (!e) return {nullptr, {"rules." + std::string(id) + ": no such rule"}, {}, {}};
    Params p(std::string(id), params);
    Parsed out;
    out.rule = e->make(p);
    out.errors = p.finish();
    out.warnings = p.warnings();
    out.effective = p.effective();
    return out;
}

}  // namespace

std::vector<std::string_view> implemented_rule_ids() {
    std::vector<std::string_view> ids;
    for (const auto& e : entries)
        ids.push_back(e.id);
    return ids;
}

std::unique_ptr<Rule> make_rule(std::string_view id, const nlohmann::json& params) {
    if (deal::is_deal_or_call_rule(id)) return deal::make_deal_or_call_rule(id, params);
    auto parsed = parse(id, params);
    if (!parsed.errors.empty()) {
        std::string message;
        for (const auto& e : parsed.errors) {
            if (!message.empty()) message += '\n';
            message += e;
        }
        throw std::invalid_argument(message);
    }
    return std::move(parsed.rule);
}

std::vector<std::string> validate_rule_params(std::string_view id, const nlohmann::json& params) {
    if (deal::is_deal_or_call_rule(id)) return deal::validate_deal_or_call_params(id, params);
    return parse(id, params).errors;
}

nlohmann::json rule_defaults(std::string_view id) {
    if (deal::is_deal_or_call_rule(id)) return deal::deal_or_call_rule_defaults(id);
    auto parsed = parse(id, nlohmann::json::object());
    if (!parsed.rule) throw std::invalid_argument("rules." + std::string(id) + ": no such rule");
    return parsed.effective;
}

std::vector<std::string> rule_param_warnings(std::string_view id, const nlohmann::json& params) {
    if (deal::is_deal_or_call_rule(id)) return {};
    return parse(id, params).warnings;
}

}  // namespace reglament::rules
