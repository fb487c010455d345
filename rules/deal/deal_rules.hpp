// Constructors of the deal pipeline rules D1–D7 (seed: deal-pipeline-measurement-stages). Each
// reads its [rules.<ID>] table through the reader; the factory collects the reader's errors.
#pragma once

#include <memory>

#include "rules/deal/params.hpp"
#include "rules/rule.hpp"

namespace reglament::rules::deal {

std::unique_ptr<Rule> make_d1_irreversible(ParamReader& p);
std::unique_ptr<Rule> make_d2_stage_by_date(ParamReader& p);
std::unique_ptr<Rule> make_d3_required_fields(ParamReader& p);
std::unique_ptr<Rule> make_d4_reminder(ParamReader& p);
std::unique_ptr<Rule> make_d5_cutoffs(ParamReader& p);
std::unique_ptr<Rule> make_d6_closing(ParamReader& p);
std::unique_ptr<Rule> make_d7_deferred(ParamReader& p);

// The fields D3 requires to enter Предзамер/Замер (D1 reads the same list, see d1).
struct RequiredFields {
    std::vector<std::pair<std::string, std::string>> address;  // code → label
    std::string measure_date, measure_date_label;
    std::string video, video_label;
    std::string precalc_sum, precalc_sum_label;
    static RequiredFields read(ParamReader& p);
    std::vector<std::string> codes() const;
    // Labels of what is empty, in the regulation's order.
    std::vector<std::string> missing(const Deal& deal) const;
};

}  // namespace reglament::rules::deal
