#include "rules/deal/factory.hpp"

#include <map>
#include <stdexcept>

#include "rules/calls/call_rules.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

using Maker = std::unique_ptr<Rule> (*)(ParamReader&);

const std::map<std::string, Maker, std::less<>>& makers() {
    static const std::map<std::string, Maker, std::less<>> table = {
        {"D1", make_d1_irreversible},      {"D2", make_d2_stage_by_date},
        {"D3", make_d3_required_fields},   {"D4", make_d4_reminder},
        {"D5", make_d5_cutoffs},           {"D6", make_d6_closing},
        {"D7", make_d7_deferred},          {"R1", calls::make_r1_first_call},
        {"R2", calls::make_r2_dial_plan},  {"R3", calls::make_r3_call_result},
        {"R4", calls::make_r4_eligibility}};
    return table;
}

ReplacementSettings read_replacement(ParamReader& p) {
    ReplacementSettings s;
    s.input.max_share = p.number("max_share", 0.30, 0.0, 1.0);
    s.input.login = p.text("login", "");
    s.input.script = p.text("script", "");
    s.input.request_template = p.required_text("request_text", defaults::r5::request_text);
    s.plan = calls::read_dial_plan(p);
    return s;
}

}  // namespace

bool is_deal_or_call_rule(std::string_view id) {
    return makers().count(id) != 0 || id == "R5";
}

std::unique_ptr<Rule> make_deal_or_call_rule(std::string_view id, const nlohmann::json& params) {
    auto it = makers().find(id);
    if (it == makers().end()) {
        if (id == "R5") replacement_settings(params);  // validates
        return nullptr;
    }
    ParamReader p(std::string(id), params);
    auto rule = it->second(p);
    if (auto errors = p.finish(); !errors.empty())
        throw std::invalid_argument(joined(errors, "; "));
    return rule;
}

std::vector<std::string> validate_deal_or_call_params(std::string_view id,
                                                      const nlohmann::json& params) {
    ParamReader p(std::string(id), params);
    if (auto it = makers().find(id); it != makers().end())
        it->second(p);
    else if (id == "R5")
        read_replacement(p);
    else
        return {};
    return p.finish();
}

nlohmann::json deal_or_call_rule_defaults(std::string_view id) {
    ParamReader p(std::string(id), nlohmann::json::object());
    if (auto it = makers().find(id); it != makers().end())
        it->second(p);
    else if (id == "R5")
        read_replacement(p);
    else
        return nullptr;
    return p.effective();
}

ReplacementSettings replacement_settings(const nlohmann::json& params) {
    ParamReader p("R5", params);
    auto s = read_replacement(p);
    if (auto errors = p.finish(); !errors.empty())
        throw std::invalid_argument(joined(errors, "; "));
    return s;
}

}  // namespace reglament::rules::deal
