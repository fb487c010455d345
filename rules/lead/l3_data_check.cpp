// L3 Data check (REGULATIONS.md L3; new-lead-intake "Проверить корректность данных").
// Parameters ([rules.L3]):
//   check_status_ids      ["NEW"]
//   phone_country_codes   ["7"]      a plausible number starts with one of these
//   phone_digits          11         total digits of a plausible number
//   other_contact_fields  ["IM", "WEB"]  lead fields that count as another way to reach the client
//   on_invalid            "reject"   or "task"
//   reject_status_id      "JUNK"     "Отказ"
//   reject_reason         "Некорректные данные"
//   reason_field          ""         user field for the refusal reason; "" = comment only
//   reject_comment        "Лид отправлен в отказ, причина: {reason}. Телефон: {phones}."
//   task_title            "Проверить корректность данных"
//   task_description      "Телефон {phones} не может быть настоящим номером, …"
//   task_deadline_minutes 30         working minutes
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"
#include "rules/phone.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class L3DataCheck final : public Rule {
  public:
    std::vector<std::string> check_status_ids;
    PhonePlan plan;
    std::vector<std::string> other_contact_fields;
    bool reject = true;
    StatusMove move;
    std::string task_title, task_description;
    std::chrono::minutes task_deadline{30};

    std::string_view id() const override { return "L3"; }
    std::vector<std::string> exit_status_ids() const override {
        if (!reject) return {};
        return {move.status_id};
    }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created || e.kind == EventKind::updated);
    }

    bool reachable_otherwise(const Lead& lead) const {
        if (!lead.emails.empty()) return true;
        for (const auto& f : other_contact_fields) {
            auto it = lead.fields.find(f);
            if (it == lead.fields.end() || it->is_null()) continue;
            if ((it->is_string() && !it->get<std::string>().empty()) ||
                (it->is_array() && !it->empty()) || (it->is_object() && !it->empty()))
                return true;
        }
        return false;
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = std::get_if<Lead>(&c.after);
        if (!lead || c.state.is_object() || !contains(check_status_ids, lead->status_id)) return d;
        d.state = json{{"checked", true}};
        for (const auto& raw : lead->phones)
            if (check_phone(normalise_phone(raw), plan) == PhoneProblem::none) return d;
        if (reachable_otherwise(*lead)) return d;

        std::string phones;
        for (const auto& raw : lead->phones) {
            if (!phones.empty()) phones += ", ";
            phones += raw;
        }
        if (phones.empty()) phones.push_back('-');
        std::string why = "no phone of the lead can be a real number and there is no other contact";
        if (reject) {
            StatusMove m = move;
            m.comment = fill(m.comment, {{"phones", phones}});
            d.actions = m.actions(*lead, c.staff, "invalid", why);
            return d;
        }
        auto values = lead_values(*lead, c.staff);
        values["phones"] = phones;
        d.actions.push_back(
            make_action("task.add", c.event.entity,
                        {{"title", fill(task_title, values)},
                         {"description", fill(task_description, values)},
                         {"responsible_id", lead->assigned_by_id},
                         {"deadline", iso(c.calendar.add_working(c.now, task_deadline))},
                         {"priority", 1},
                         {"bindings", {crm_binding(c.event.entity)}}},
                        "invalid:task", why));
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_l3_data_check(Params& p) {
    auto r = std::make_unique<L3DataCheck>();
    r->check_status_ids = p.text_list("check_status_ids", {"NEW"});
    r->plan.country_codes = p.text_list("phone_country_codes", {"7"});
    r->plan.digits = p.positive_int("phone_digits", 11);
    r->other_contact_fields = p.text_list("other_contact_fields", {"IM", "WEB"});
    r->reject = p.one_of("on_invalid", "reject", {"reject", "task"}) == "reject";
    r->move = StatusMove::read(p, "reject_", "JUNK", defaults::l3::reject_reason,
                               defaults::l3::reject_comment);
    r->task_title = p.required_text("task_title", defaults::l3::task_title);
    r->task_description = p.text("task_description", defaults::l3::task_description);
    r->task_deadline = p.positive_minutes("task_deadline_minutes", 30);
    return r;
}

}  // namespace reglament::rules
