// JSON forms of the model for the store's snapshots. Keys are the members' names; a TimePoint is
// ISO 8601 in UTC (whole seconds, as the portal has them); an empty std::optional is omitted.
// Reading is lenient about missing keys so a snapshot written by an older build still loads.
#include <stdexcept>

#include "rules/iso_time.hpp"
#include "rules/model.hpp"

namespace reglament::rules {

namespace {

using nlohmann::json;

void put_time(json& j, const char* key, const std::optional<TimePoint>& t) {
    if (t) j[key] = format_iso8601(*t);
}

void get_time(const json& j, const char* key, std::optional<TimePoint>& t) {
    t.reset();
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (!it->is_string()) throw std::invalid_argument(std::string(key) + ": expected a date-time");
    t = parse_iso8601(it->get<std::string>());
    if (!t)
        throw std::invalid_argument(std::string(key) +
                                    ": not an ISO 8601 date-time: " + it->get<std::string>());
}

template <typename T>
void get(const json& j, const char* key, T& out) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null()) it->get_to(out);
}

void get_object(const json& j, const char* key, json& out) {
    auto it = j.find(key);
    out = (it != j.end() && it->is_object()) ? *it : json::object();
}

}  // namespace

void to_json(json& j, const Lead& v) {
    j = json{{"id", v.id},
             {"title", v.title},
             {"status_id", v.status_id},
             {"status_semantic", v.status_semantic},
             {"assigned_by_id", v.assigned_by_id},
             {"name", v.name},
             {"last_name", v.last_name},
             {"phones", v.phones},
             {"emails", v.emails},
             {"source_id", v.source_id},
             {"fields", v.fields}};
    put_time(j, "created", v.created);
    put_time(j, "modified", v.modified);
    put_time(j, "moved", v.moved);
}

void from_json(const json& j, Lead& v) {
    v = Lead{};
    get(j, "id", v.id);
    get(j, "title", v.title);
    get(j, "status_id", v.status_id);
    get(j, "status_semantic", v.status_semantic);
    get(j, "assigned_by_id", v.assigned_by_id);
    get(j, "name", v.name);
    get(j, "last_name", v.last_name);
    get(j, "phones", v.phones);
    get(j, "emails", v.emails);
    get(j, "source_id", v.source_id);
    get_object(j, "fields", v.fields);
    get_time(j, "created", v.created);
    get_time(j, "modified", v.modified);
    get_time(j, "moved", v.moved);
}

void to_json(json& j, const Deal& v) {
    j = json{{"id", v.id},
             {"title", v.title},
             {"category_id", v.category_id},
             {"stage_id", v.stage_id},
             {"stage_semantic", v.stage_semantic},
             {"assigned_by_id", v.assigned_by_id},
             {"lead_id", v.lead_id},
             {"contact_id", v.contact_id},
             {"opportunity", v.opportunity},
             {"closed", v.closed},
             {"fields", v.fields}};
    put_time(j, "created", v.created);
    put_time(j, "modified", v.modified);
    put_time(j, "moved", v.moved);
}

void from_json(const json& j, Deal& v) {
    v = Deal{};
    get(j, "id", v.id);
    get(j, "title", v.title);
    get(j, "category_id", v.category_id);
    get(j, "stage_id", v.stage_id);
    get(j, "stage_semantic", v.stage_semantic);
    get(j, "assigned_by_id", v.assigned_by_id);
    get(j, "lead_id", v.lead_id);
    get(j, "contact_id", v.contact_id);
    get(j, "opportunity", v.opportunity);
    get(j, "closed", v.closed);
    get_object(j, "fields", v.fields);
    get_time(j, "created", v.created);
    get_time(j, "modified", v.modified);
    get_time(j, "moved", v.moved);
}

void to_json(json& j, const Task& v) {
    j = json{{"id", v.id},
             {"title", v.title},
             {"description", v.description},
             {"responsible_id", v.responsible_id},
             {"created_by", v.created_by},
             {"status", v.status},
             {"priority", v.priority},
             {"crm_bindings", v.crm_bindings},
             {"comments_count", v.comments_count}};
    if (!v.xml_id.empty()) j["xml_id"] = v.xml_id;
    put_time(j, "deadline", v.deadline);
    put_time(j, "created", v.created);
    put_time(j, "closed", v.closed);
    put_time(j, "changed", v.changed);
}

void from_json(const json& j, Task& v) {
    v = Task{};
    get(j, "id", v.id);
    get(j, "title", v.title);
    get(j, "description", v.description);
    if (j.contains("xml_id")) get(j, "xml_id", v.xml_id);
    get(j, "responsible_id", v.responsible_id);
    get(j, "created_by", v.created_by);
    get(j, "status", v.status);
    get(j, "priority", v.priority);
    get(j, "crm_bindings", v.crm_bindings);
    get(j, "comments_count", v.comments_count);
    get_time(j, "deadline", v.deadline);
    get_time(j, "created", v.created);
    get_time(j, "closed", v.closed);
    get_time(j, "changed", v.changed);
}

void to_json(json& j, const Activity& v) {
    j = json{{"id", v.id},
             {"owner_type_id", v.owner_type_id},
             {"owner_id", v.owner_id},
             {"type_id", v.type_id},
             {"direction", v.direction},
             {"completed", v.completed},
             {"subject", v.subject},
             {"responsible_id", v.responsible_id},
             {"provider_id", v.provider_id},
             {"phones", v.phones}};
    put_time(j, "start", v.start);
    put_time(j, "end", v.end);
    put_time(j, "deadline", v.deadline);
}

void to_json(json& j, const Footprint& v) {
    json fields = json::object();
    for (const auto& [name, w] : v.fields)
        fields[name] = json{{"value", w.value}, {"at", format_iso8601(w.at)}};
    j = json{{"fields", fields}, {"comments", v.comments}};
}

void from_json(const json& j, Footprint& v) {
    v = Footprint{};
    get(j, "comments", v.comments);
    if (auto it = j.find("fields"); it != j.end() && it->is_object())
        for (const auto& [name, w] : it->items()) {
            if (!w.is_object()) continue;
            Footprint::Write write;
            write.value = w.value("value", "");
            if (auto at = parse_iso8601(w.value("at", ""))) write.at = *at;
            v.fields[name] = std::move(write);
        }
}

void to_json(json& j, const TimelineComment& v) {
    j = json{{"id", v.id},
             {"owner_type", v.owner_type},
             {"owner_id", v.owner_id},
             {"text", v.text},
             {"author_id", v.author_id}};
    put_time(j, "created", v.created);
    if (v.pinned) j["pinned"] = *v.pinned;
}

void from_json(const json& j, TimelineComment& v) {
    v = TimelineComment{};
    get(j, "id", v.id);
    get(j, "owner_type", v.owner_type);
    get(j, "owner_id", v.owner_id);
    get(j, "text", v.text);
    get(j, "author_id", v.author_id);
    get_time(j, "created", v.created);
    if (j.contains("pinned") && j["pinned"].is_boolean()) v.pinned = j["pinned"].get<bool>();
}

void from_json(const json& j, Activity& v) {
    v = Activity{};
    get(j, "id", v.id);
    get(j, "owner_type_id", v.owner_type_id);
    get(j, "owner_id", v.owner_id);
    get(j, "type_id", v.type_id);
    get(j, "direction", v.direction);
    get(j, "completed", v.completed);
    get(j, "subject", v.subject);
    get(j, "responsible_id", v.responsible_id);
    get(j, "provider_id", v.provider_id);
    get(j, "phones", v.phones);
    get_time(j, "start", v.start);
    get_time(j, "end", v.end);
    get_time(j, "deadline", v.deadline);
}

void to_json(json& j, const Call& v) {
    j = json{{"call_id", v.call_id},
             {"type", v.type},
             {"phone", v.phone},
             {"portal_user_id", v.portal_user_id},
             {"duration_seconds", v.duration_seconds},
             {"failed_code", v.failed_code},
             {"crm_entity_type", v.crm_entity_type},
             {"crm_entity_id", v.crm_entity_id},
             {"crm_activity_id", v.crm_activity_id}};
    put_time(j, "start", v.start);
}

void from_json(const json& j, Call& v) {
    v = Call{};
    get(j, "call_id", v.call_id);
    get(j, "type", v.type);
    get(j, "phone", v.phone);
    get(j, "portal_user_id", v.portal_user_id);
    get(j, "duration_seconds", v.duration_seconds);
    get(j, "failed_code", v.failed_code);
    get(j, "crm_entity_type", v.crm_entity_type);
    get(j, "crm_entity_id", v.crm_entity_id);
    get(j, "crm_activity_id", v.crm_activity_id);
    get_time(j, "start", v.start);
}

void to_json(json& j, const ChatMessage& v) {
    j = json{{"message_id", v.message_id},
             {"channel_id", v.channel_id},
             {"chat_id", v.chat_id},
             {"inbound", v.inbound},
             {"status", v.status},
             {"error_code", v.error_code},
             {"text", v.text}};
    put_time(j, "at", v.at);
}

void from_json(const json& j, ChatMessage& v) {
    v = ChatMessage{};
    get(j, "message_id", v.message_id);
    get(j, "channel_id", v.channel_id);
    get(j, "chat_id", v.chat_id);
    get(j, "inbound", v.inbound);
    get(j, "status", v.status);
    get(j, "error_code", v.error_code);
    get(j, "text", v.text);
    get_time(j, "at", v.at);
}

}  // namespace reglament::rules
