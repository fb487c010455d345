// D1: from "Предзамер" on the stages are irreversible; a move back to "Перенос"/"Просчёт" is
// undone. The snapshot's before/after covers a live event; the stage history covers a restart
// or a dropped event: the deal the poller finds in Просчёт went to Предзамер and back since its
// snapshot.
#include "rules/deal/common.hpp"
#include "rules/deal/deal_rules.hpp"
#include "rules/deal/defaults.hpp"

namespace reglament::rules::deal {
namespace {

class D1Irreversible final : public Rule {
  public:
    explicit D1Irreversible(ParamReader& p) {
        namespace d = defaults;
        irreversible_ =
            p.text_list("irreversible_stages",
                        {std::string(d::stage_premeasure), std::string(d::stage_measure),
                         std::string(d::stage_remeasure), std::string(d::stage_precontract),
                         std::string(d::stage_no_sheet), std::string(d::stage_after_measure)});
        forbidden_ = p.text_list("forbidden_back_stages",
                                 {std::string(d::stage_calc), std::string(d::stage_reschedule)});
        // D3 sends a deal that entered Предзамер without its fields back where it came from;
        // that move back is the regulation working, not a violation, so D1 leaves it alone.
        required_ = RequiredFields::read(p);
        comment_ = p.required_text("comment", d::d1::comment);
        for (auto& [id, name] : p.text_pairs("stage_names", d::stage_names))
            names_[id] = name;
        notify_text_ = p.required_text("notify_text", d::d1::notify_text);
        head_ = HeadChoice::read(p);
    }

    std::string_view id() const override { return "D1"; }

    bool interested(const Event& e) const override {
        return e.entity.type == "deal" &&
               (e.kind == EventKind::updated || e.kind == EventKind::created ||
                e.kind == EventKind::sweep);
    }

    Decision decide(const RuleContext& c) const override {
        Decision out;
        const Deal* deal = deal_after(c);
        if (!deal || deal->closed || !contains(forbidden_, deal->stage_id)) return out;
        if (!required_.missing(*deal).empty()) return out;
        auto target = restore_target(c, *deal);
        if (target.empty()) return out;

        const auto& e = c.event.entity;
        auto when = deal->moved ? iso_text(*deal->moved) : iso_text(c.event.at);
        auto key = "restore:" + target + ":" + when;
        auto why = "Сделка перешла из невозвратной стадии " + target + " в " + deal->stage_id +
                   " (регламент D1).";
        out.actions.push_back(deal_stage_action(*deal, e, target, key, why));
        out.actions.push_back(comment_action(e, "deal", deal->id, comment_, key, why));
        auto message = fill_text(notify_text_, {{"deal_title", deal->title},
                                                {"deal_id", deal->id},
                                                {"from", name_of(deal->stage_id)}});
        notify_people(out.actions, c, e, deal->assigned_by_id, &head_, message, key, why);
        return out;
    }

  private:
    std::string restore_target(const RuleContext& c, const Deal& deal) const {
        if (const Deal* before = deal_before(c); before &&
                                                 before->category_id == deal.category_id &&
                                                 contains(irreversible_, before->stage_id))
            return before->stage_id;
        // The latest irreversible stage the deal reached since its snapshot, in its current
        // stay in this pipeline. Earlier moves were seen and decided when they came (D3 sending
        // a deal back is not undone once its fields are filled), and a stage held before the
        // deal went to another pipeline is not one it left by moving back (D7 returns a
        // deferred deal to Перенос).
        const Deal* before = deal_before(c);
        const bool bounded = before && before->moved;
        const TimePoint since = bounded ? *before->moved : TimePoint{};
        std::string found;
        for (const auto& entry : c.world.stage_history(deal.id)) {
            auto category =
                entry.category_id.empty() ? category_of_stage(entry.stage_id) : entry.category_id;
            if (category != deal.category_id) {
                found.clear();
                continue;
            }
            if (bounded && entry.at && *entry.at <= since) continue;
            if (contains(irreversible_, entry.stage_id)) found = entry.stage_id;
        }
        return found;
    }

    std::vector<std::string> irreversible_, forbidden_;
    RequiredFields required_;
    std::string comment_, notify_text_;
    std::map<std::string, std::string> names_;  // stage id → the name people see

    // A stage the config does not name keeps its id: better than nothing, and check-config's
    // example names every stage of the example portal.
    std::string name_of(const std::string& stage_id) const {
        auto it = names_.find(stage_id);
        return it != names_.end() ? it->second : stage_id;
    }
    HeadChoice head_;
};

}  // namespace

std::unique_ptr<Rule> make_d1_irreversible(ParamReader& p) {
    return std::make_unique<D1Irreversible>(p);
}

}  // namespace reglament::rules::deal
