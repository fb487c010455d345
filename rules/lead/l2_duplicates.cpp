// L2 Duplicate check (REGULATIONS.md L2; new-lead-intake "Проверить лид на дубль").
// Parameters ([rules.L2]):
//   portal_url      ""     "https://example.bitrix24.ru"; links are relative when empty
//   search_emails   true
//   label_lead / label_contact / label_company / label_deal  "Лид" "Контакт" "Компания" "Сделка"
//   comment_header  "Найдены возможные дубли:"
//   comment_line    "{type} «{title}» — {url} — ответственный: {responsible}"
//   notify_text     "Лид «{lead_title}»: найдены возможные дубли ({count}), …"
// The search itself is the outbox's lookup.duplicates (rule.hpp): asked once on a new lead, the
// answer comes back as an "lookup.duplicates" event.
#include "rules/lead/common.hpp"
#include "rules/lead/defaults.hpp"
#include "rules/lead/factories.hpp"
#include "rules/phone.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

class L2Duplicates final : public Rule {
  public:
    std::string portal_url;
    bool search_emails = true;
    std::map<std::string, std::string> labels;
    std::string comment_header, comment_line, notify_text;

    std::string_view id() const override { return "L2"; }
    bool interested(const Event& e) const override {
        return e.entity.type == "lead" &&
               (e.kind == EventKind::created ||
                (e.kind == EventKind::updated && e.name == "lookup.duplicates"));
    }

    Decision decide(const RuleContext& c) const override {
        Decision d;
        const Lead* lead = lead_of(c);
        if (!lead) return d;
        if (c.event.kind == EventKind::created) {
            if (c.state.is_object()) return d;
            json phones = json::array();
            for (const auto& raw : lead->phones)
                if (auto n = normalise_phone(raw); !n.empty()) phones.push_back(n);
            json emails = search_emails ? json(lead->emails) : json::array();
            if (phones.empty() && emails.empty()) return d;
            d.actions.push_back(
                make_action("lookup.duplicates", c.event.entity,
                            {{"entity_type", "lead"},
                             {"entity_id", lead->id},
                             {"phones", phones},
                             {"emails", emails}},
                            "lookup", "a new lead is checked for duplicates by phone and e-mail"));
            d.state = json{{"asked", true}};
            return d;
        }
        if (c.state.is_object() && c.state.value("answered", false)) return d;
        d.state = json{{"asked", true}, {"answered", true}};
        std::vector<std::string> lines;
        for (const auto& hit : c.event.result.value("hits", json::array())) {
            std::string type = hit.value("type", "");
            std::string id = hit.value("id", "");
            if (type == "lead" && id == lead->id) continue;
            auto label = labels.find(type);
            std::string responsible = hit.value("assigned_name", "");
            if (responsible.empty()) responsible = hit.value("assigned_by_id", "");
            lines.push_back(
                fill(comment_line, {{"type", label == labels.end() ? type : label->second},
                                    {"title", hit.value("title", "")},
                                    {"url", portal_url + "/crm/" + type + "/details/" + id + "/"},
                                    {"responsible", responsible}}));
        }
        if (lines.empty()) return d;
        std::string text = comment_header;
        for (const auto& l : lines)
            text += "\n" + l;
        std::string why = "the new lead's phone or e-mail matches " + std::to_string(lines.size()) +
                          " other CRM record(s)";
        d.actions.push_back(make_action(
            "timeline.comment", c.event.entity,
            {{"entity_type", "lead"}, {"entity_id", lead->id}, {"text", text}, {"pin", false}},
            "duplicates:comment", why));
        if (!lead->assigned_by_id.empty()) {
            auto values = lead_values(*lead, c.staff);
            values["count"] = std::to_string(lines.size());
            d.actions.push_back(notify(c.event.entity, lead->assigned_by_id,
                                       fill(notify_text, values), "duplicates:notify", why));
        }
        return d;
    }
};

}  // namespace

std::unique_ptr<Rule> make_l2_duplicates(Params& p) {
    auto r = std::make_unique<L2Duplicates>();
    r->portal_url = p.text("portal_url", "");
    while (!r->portal_url.empty() && r->portal_url.back() == '/')
        r->portal_url.pop_back();
    if (!r->portal_url.empty() && !r->portal_url.starts_with("https://") &&
        !r->portal_url.starts_with("http://"))
        p.error("portal_url", "expected an http(s) URL like \"https://example.bitrix24.ru\"");
    r->search_emails = p.boolean("search_emails", true);
    r->labels = {{"lead", p.required_text("label_lead", defaults::l2::label_lead)},
                 {"contact", p.required_text("label_contact", defaults::l2::label_contact)},
                 {"company", p.required_text("label_company", defaults::l2::label_company)},
                 {"deal", p.required_text("label_deal", defaults::l2::label_deal)}};
    r->comment_header = p.required_text("comment_header", defaults::l2::comment_header);
    r->comment_line = p.required_text("comment_line", defaults::l2::comment_line);
    r->notify_text = p.required_text("notify_text", defaults::l2::notify_text);
    return r;
}

}  // namespace reglament::rules
