// D6: closing checks. Won needs the "Договор" section (number, sum, discount, client name).
// Lost needs a pinned comment with the reason, "Причина отказа" matching it, and "Отказ перед /
// после замера" consistent with whether a measurement happened (the stage history tells).
//
// Gap: REST reports no "pinned" flag on timeline comments (api/bitrix24.md, "Timeline comments
// and pinning" lists pin/unpin only), so a comment counts unless the World positively knows it
// is not pinned; what is checked is that a comment exists and names the reason.
#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

// Lower case for ASCII and Russian Cyrillic in UTF-8, so "Дорого" matches "дорого".
std::string lower(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c + 32);
        } else if (c == 0xD0 && i + 1 < s.size()) {
            auto n = static_cast<unsigned char>(s[++i]);
            if (n >= 0x90 && n <= 0x9F)
                out += {'\xD0', static_cast<char>(n + 0x20)};
            else if (n >= 0xA0 && n <= 0xAF)
                out += {'\xD1', static_cast<char>(n - 0x20)};
            else if (n == 0x81)
                out += {'\xD1', '\x91'};  // Ё
            else
                out += {'\xD0', static_cast<char>(n)};
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

class D6Closing final : public Rule {
  public:
    explicit D6Closing(ParamReader& p) {
        namespace d = defaults;
        won_fields_ = p.text_pairs(
            "won_fields",
            {{std::string(d::contract_number_field), std::string(d::d6::contract_number_label)},
             {std::string(d::contract_sum_field), std::string(d::d6::contract_sum_label)},
             {std::string(d::discount_field), std::string(d::d6::discount_label)},
             {std::string(d::client_name_field), std::string(d::d6::client_name_label)}});
        reason_field_ = p.required_text("refusal_reason_field", d::refusal_reason_field);
        moment_field_ = p.required_text("refusal_moment_field", d::refusal_moment_field);
        before_value_ = p.required_text("refusal_before_value", d::refusal_before_value);
        after_value_ = p.required_text("refusal_after_value", d::refusal_after_value);
        measure_stage_ = p.required_text("stage_measure", d::stage_measure);
        measure_date_field_ = p.required_text("measure_date_field", d::measure_date_field);
        measured_stages_ =
            p.text_list("measured_stages",
                        {std::string(d::stage_remeasure), std::string(d::stage_precontract),
                         std::string(d::stage_no_sheet), std::string(d::stage_after_measure)});
        reopen_ = p.boolean("reopen", true);
        reopen_stage_ = p.text("reopen_stage", "");
        won_title_ = p.required_text("won_task_title", d::d6::won_task_title);
        lost_title_ = p.required_text("lost_task_title", d::d6::lost_task_title);
        comment_missing_ = p.required_text("comment_missing_text", d::d6::comment_missing);
        reason_missing_ = p.required_text("reason_missing_text", d::d6::reason_missing);
        reason_mismatch_ = p.required_text("reason_mismatch_text", d::d6::reason_mismatch);
        moment_mismatch_ = p.required_text("moment_mismatch_text", d::d6::moment_mismatch);
    }

    std::string_view id() const override { return "D6"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" && e.kind == EventKind::updated;
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const Deal* deal = deal_after(c);
        const Deal* before = deal_before(c);
        if (!deal || (deal->stage_semantic != "S" && deal->stage_semantic != "F")) return out;
        if (before && before->stage_semantic == deal->stage_semantic) return out;
        bool won = deal->stage_semantic == "S";
        auto missing = won ? missing_won(*deal) : missing_lost(c, *deal);
        if (missing.empty()) return out;

        const auto& e = c.event.entity;
        auto list = joined(missing);
        auto when = deal->moved ? iso_text(*deal->moved) : iso_text(c.event.at);
        auto key = std::string(won ? "won:" : "lost:") + when;
        auto why = std::string(won ? "Сделка закрыта успешной" : "Сделка закрыта проигранной") +
                   " без обязательного: " + list + " (регламент D6).";
        if (reopen_) {
            auto target = reopen_stage_;
            if (before && before->stage_semantic == "P" && before->category_id == deal->category_id)
                target = before->stage_id;
            if (!target.empty())
                out.actions.push_back(deal_stage_action(*deal, e, target, key, why));
        }
        out.actions.push_back(task_action(
            e, "D_" + deal->id, fill_text(won ? won_title_ : lost_title_, {{"missing", list}}), why,
            deal->assigned_by_id, c.calendar.end_of_working_day(c.now), key, why));
        return out;
    }

  private:
    std::vector<std::string> missing_won(const Deal& deal) const {
        std::vector<std::string> out;
        for (const auto& [code, label] : won_fields_)
            if (field_text(deal, code).empty()) out.push_back(label);
        return out;
    }

    std::vector<std::string> missing_lost(const RuleContext& c, const Deal& deal) const {
        std::vector<std::string> out;
        std::vector<std::string> texts;
        for (const auto& comment : c.world.timeline_comments(EntityRef{"deal", deal.id}))
            if (comment.pinned.value_or(true) && !comment.automated())
                texts.push_back(lower(comment.text));
        auto reason = lower(field_text(deal, reason_field_));
        if (texts.empty()) out.push_back(comment_missing_);
        if (reason.empty()) {
            out.push_back(reason_missing_);
        } else if (!texts.empty()) {
            bool named = false;
            for (const auto& text : texts)
                named = named || text.find(reason) != std::string::npos;
            if (!named) out.push_back(reason_mismatch_);
        }
        const auto& expected = measured(c, deal) ? after_value_ : before_value_;
        if (field_text(deal, moment_field_) != expected) out.push_back(moment_mismatch_);
        return out;
    }

    // A measurement happened when the deal went past Замер, or sat in Замер until its date.
    bool measured(const RuleContext& c, const Deal& deal) const {
        auto closed_day = c.calendar.local_day(deal.moved.value_or(c.now));
        auto date = field_day(deal.fields, measure_date_field_, c.calendar);
        bool was_in_measure = false;
        for (const auto& entry : c.world.stage_history(deal.id)) {
            if (contains(measured_stages_, entry.stage_id)) return true;
            was_in_measure = was_in_measure || entry.stage_id == measure_stage_;
        }
        if (const Deal* before = deal_before(c)) {
            if (contains(measured_stages_, before->stage_id)) return true;
            was_in_measure = was_in_measure || before->stage_id == measure_stage_;
        }
        return was_in_measure && date && *date < closed_day;
    }

    std::vector<std::pair<std::string, std::string>> won_fields_;
    std::string reason_field_, moment_field_, before_value_, after_value_;
    std::string measure_stage_, measure_date_field_;
    std::vector<std::string> measured_stages_;
    bool reopen_ = true;
    std::string reopen_stage_, won_title_, lost_title_;
    std::string comment_missing_, reason_missing_, reason_mismatch_, moment_mismatch_;
};

}  // namespace

std::unique_ptr<Rule> make_d6_closing(ParamReader& p) {
    return std::make_unique<D6Closing>(p);
}

}  // namespace reglament::rules::deal
