#include "daemon/rule_set.hpp"

#include <map>

#include "rules/registry.hpp"

namespace reglament::daemon {

std::shared_ptr<const RuleSet> make_rule_set(const config::Config& config) {
    auto set = std::make_shared<RuleSet>();
    set->staff = config::to_staff(config.people);
    set->calendar = std::make_shared<const Calendar>(config.calendar);
    for (const auto& [id, settings] : config.rules) {
        if (!settings.enabled) continue;
        RuleSlot slot;
        slot.rule = rules::make_rule(id, settings.params);
        // R5 is a report (reglamentd replacement-report), not something events decide.
        if (!slot.rule) continue;
        slot.dry_run = settings.dry_run;
        set->slots.push_back(std::move(slot));
    }
    if (config.wazzup) {
        const auto& w = *config.wazzup;
        if (w.channel_down_notify.empty()) {
            for (const auto& head : config.people.heads)
                set->channel_down.user_ids.push_back(std::to_string(head.user_id));
        } else {
            for (const auto& key : w.channel_down_notify)
                if (const auto* person = config.people.find(key))
                    set->channel_down.user_ids.push_back(std::to_string(person->user_id));
        }
        set->send_refused.text = w.send_refused_text;
        set->send_refused.unknown_text = w.send_unknown_text;
        for (const auto& head : config.people.heads)
            set->send_refused.fallback_user_ids.push_back(std::to_string(head.user_id));
        set->channel_down.text = w.channel_down_text;
        for (auto at = set->channel_down.text.find("{channel}"); at != std::string::npos;
             at = set->channel_down.text.find("{channel}", at + w.channel_id.size()))
            set->channel_down.text.replace(at, 9, w.channel_id);
    }
    return set;
}

Presence make_presence(const config::People& people, std::shared_ptr<const Calendar> calendar) {
    std::map<std::string, std::array<DayHours, 7>> shifts;
    for (const auto* group : {&people.managers, &people.heads})
        for (const auto& p : *group)
            if (p.shifts) shifts[std::to_string(p.user_id)] = *p.shifts;
    return [shifts = std::move(shifts), calendar](const std::string& user_id, TimePoint at) {
        auto it = shifts.find(user_id);
        // No shifts of their own: the person works the calendar's hours, not round the clock.
        if (it == shifts.end()) return calendar->is_working_time(at);
        auto local = calendar->to_local(at);
        auto day = date::floor<date::days>(local);
        // date::weekday: Sunday = 0; the config's week starts on Monday.
        unsigned index = (date::weekday(day).c_encoding() + 6) % 7;
        auto minute = std::chrono::duration_cast<std::chrono::minutes>(local - day);
        for (const auto& span : it->second[index])
            if (minute >= span.begin && minute < span.end) return true;
        return false;
    };
}

}  // namespace reglament::daemon
