#include "rules/deal/common.hpp"

#include <cstdio>
#include <sstream>

#include "rules/iso_time.hpp"

namespace reglament::rules::deal {

const Deal* deal_after(const RuleContext& c) {
    return std::get_if<Deal>(&c.after);
}
const Deal* deal_before(const RuleContext& c) {
    return std::get_if<Deal>(&c.before);
}
const Lead* lead_after(const RuleContext& c) {
    return std::get_if<Lead>(&c.after);
}

static std::string number_text(double v) {
    std::ostringstream out;
    out.precision(15);
    out << v;
    return out.str();
}

std::string field_text(const nlohmann::json& fields, const std::string& code) {
    if (!fields.is_object()) return "";
    auto it = fields.find(code);
    if (it == fields.end()) return "";
    const auto& v = *it;
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "Y" : "";
    if (v.is_number()) return number_text(v.get<double>());
    if (v.is_array())
        for (const auto& item : v) {
            auto text = field_text(nlohmann::json{{"v", item}}, "v");
            if (!text.empty()) return text;
        }
    return "";
}

std::string field_text(const Deal& deal, const std::string& code) {
    if (code == "OPPORTUNITY") return deal.opportunity > 0 ? number_text(deal.opportunity) : "";
    return field_text(deal.fields, code);
}

std::optional<date::local_days> field_day(const nlohmann::json& fields, const std::string& code,
                                          const Calendar& calendar) {
    auto text = field_text(fields, code);
    if (text.size() < 10) return std::nullopt;
    if (text.size() > 10) {
        auto t = parse_iso8601(text);
        if (!t) return std::nullopt;
        return calendar.local_day(*t);
    }
    int y = 0, m = 0, d = 0;
    char a = 0, b = 0;
    if (std::sscanf(text.c_str(), "%4d%c%2d%c%2d", &y, &a, &m, &b, &d) == 5 && a == '-' &&
        b == '-') {
    } else if (std::sscanf(text.c_str(), "%2d%c%2d%c%4d", &d, &a, &m, &b, &y) == 5 && a == '.' &&
               b == '.') {
    } else {
        return std::nullopt;
    }
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                             date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return date::local_days{ymd};
}

std::string day_text(date::local_days day) {
    return date::format("%d.%m.%Y", day);
}

std::string moment_text(const Calendar& c, TimePoint t) {
    return date::format("%d.%m.%Y %H:%M", date::floor<std::chrono::minutes>(c.to_local(t)));
}

std::string iso_text(TimePoint t) {
    return format_iso8601(t);
}

Action make_action(std::string kind, const EntityRef& entity, nlohmann::json params,
                   std::string key, std::string reason) {
    // One decision's actions often share a key (the restore, its comment, its task): the kind
    // keeps their idempotency keys apart, or the outbox would take the second for a repeat.
    auto unique_key = kind + ":" + key;
    return Action{std::move(kind), entity, std::move(params), std::move(unique_key),
                  std::move(reason)};
}

Action notify_action(const EntityRef& entity, const std::string& user_id,
                     const std::string& message, std::string key, std::string reason) {
    return make_action("notify", entity, {{"user_id", user_id}, {"message", message}},
                       std::move(key), std::move(reason));
}

Action task_action(const EntityRef& entity, const std::string& binding, const std::string& title,
                   const std::string& description, const std::string& responsible_id,
                   TimePoint deadline, std::string key, std::string reason, int priority) {
    return make_action("task.add", entity,
                       {{"title", title},
                        {"description", description},
                        {"responsible_id", responsible_id},
                        {"deadline", iso_text(deadline)},
                        {"priority", priority},
                        {"bindings", nlohmann::json::array({binding})}},
                       std::move(key), std::move(reason));
}

Action comment_action(const EntityRef& entity, std::string_view entity_type,
                      const std::string& entity_id, const std::string& text, std::string key,
                      std::string reason) {
    return make_action(
        "timeline.comment", entity,
        {{"entity_type", entity_type}, {"entity_id", entity_id}, {"text", text}, {"pin", false}},
        std::move(key), std::move(reason));
}

Action deal_stage_action(const Deal& deal, const EntityRef& entity, const std::string& stage_id,
                         std::string key, std::string reason) {
    // crm.deal.update changes a stage only within the deal's pipeline (api/bitrix24.md, "Deals").
    return make_action("deal.update", entity,
                       {{"deal_id", deal.id}, {"fields", {{"STAGE_ID", stage_id}}}}, std::move(key),
                       std::move(reason));
}

Action deal_move_action(const Deal& deal, const EntityRef& entity, const std::string& category_id,
                        const std::string& stage_id, std::string key, std::string reason) {
    // Across pipelines only crm.item.update{categoryId, stageId} works (api/bitrix24.md, "Deals").
    return make_action("deal.move", entity,
                       {{"deal_id", deal.id}, {"category_id", category_id}, {"stage_id", stage_id}},
                       std::move(key), std::move(reason));
}

TimerChange arm_timer(const EntityRef& entity, std::string purpose, TimePoint due,
                      nlohmann::json payload) {
    return TimerChange{entity, std::move(purpose), due, std::move(payload)};
}

TimerChange cancel_timer(const EntityRef& entity, std::string purpose) {
    return TimerChange{entity, std::move(purpose), std::nullopt, nlohmann::json::object()};
}

HeadChoice HeadChoice::read(ParamReader& p) {
    return HeadChoice{p.text("head", "")};
}

std::vector<std::string> HeadChoice::user_ids(const Staff& staff) const {
    std::vector<std::string> out;
    if (!key.empty()) {
        if (const auto* person = staff.find_by_key(key)) out.push_back(person->user_id);
        return out;
    }
    for (const auto& head : staff.heads)
        out.push_back(head.user_id);
    return out;
}

void notify_people(std::vector<Action>& out, const RuleContext& c, const EntityRef& entity,
                   const std::string& responsible_id, const HeadChoice* heads,
                   const std::string& message, const std::string& key, const std::string& why) {
    std::vector<std::string> users;
    if (!responsible_id.empty()) users.push_back(responsible_id);
    if (heads)
        for (const auto& id : heads->user_ids(c.staff))
            if (!contains(users, id)) users.push_back(id);
    for (const auto& id : users)
        out.push_back(notify_action(entity, id, message, key + ":" + id, why));
}

std::string category_of_stage(const std::string& stage_id) {
    if (stage_id.size() > 2 && stage_id[0] == 'C') {
        auto colon = stage_id.find(':');
        if (colon != std::string::npos && colon > 1) return stage_id.substr(1, colon - 1);
    }
    return "0";
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    for (const auto& item : list)
        if (item == value) return true;
    return false;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

}  // namespace reglament::rules::deal
