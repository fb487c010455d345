#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {

RequiredFields RequiredFields::read(ParamReader& p) {
    namespace d = defaults;
    RequiredFields f;
    f.address = p.text_pairs("address_fields", d::address_fields);
    f.measure_date = p.required_text("measure_date_field", d::measure_date_field);
    f.measure_date_label = p.required_text("measure_date_label", d::measure_date_label);
    f.video = p.required_text("video_field", d::video_field);
    f.video_label = p.required_text("video_label", d::video_label);
    f.precalc_sum = p.required_text("precalc_sum_field", d::precalc_sum_field);
    f.precalc_sum_label = p.required_text("precalc_sum_label", d::precalc_sum_label);
    return f;
}

std::vector<std::string> RequiredFields::codes() const {
    std::vector<std::string> out;
    for (const auto& [code, label] : address)
        out.push_back(code);
    out.insert(out.end(), {measure_date, video, precalc_sum});
    return out;
}

std::vector<std::string> RequiredFields::missing(const Deal& deal) const {
    std::vector<std::string> out;
    for (const auto& [code, label] : address)
        if (field_text(deal, code).empty()) out.push_back(label);
    if (field_text(deal, measure_date).empty()) out.push_back(measure_date_label);
    // "Answered" means either answer: a boolean field saved as "N" or false is still an answer.
    auto video_it = deal.fields.find(video);
    bool video_answered = video_it != deal.fields.end() && !video_it->is_null() &&
                          !(video_it->is_string() && video_it->get<std::string>().empty());
    if (!video_answered) out.push_back(video_label);
    if (field_text(deal, precalc_sum).empty() || field_text(deal, precalc_sum) == "0")
        out.push_back(precalc_sum_label);
    return out;
}

}  // namespace reglament::rules::deal
