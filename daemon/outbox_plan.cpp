#include "daemon/outbox_plan.hpp"

#include <algorithm>
#include <stdexcept>

#include <date/tz.h>

#include "bitrix/datetime.hpp"
#include "bitrix/envelope.hpp"
#include "rules/iso_time.hpp"
#include "rules/model.hpp"
#include "wazzup/phone.hpp"
#include "wazzup/templates.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace {

// Params the outbox cannot carry out; becomes PlanKind::invalid.
struct BadParams : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const json& need(const json& params, const char* name) {
    if (!params.is_object() || !params.contains(name) || params[name].is_null())
        throw BadParams(std::string("missing param '") + name + "'");
    return params[name];
}

std::string text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

// An id as the rule gave it (string or number), refused when empty.
json id_param(const json& params, const char* name) {
    const json& v = need(params, name);
    if ((v.is_string() && v.get<std::string>().empty()) || !(v.is_string() || v.is_number()))
        throw BadParams(std::string("param '") + name + "' is not an id");
    return v;
}

std::string text_param(const json& params, const char* name) {
    return text_of(need(params, name));
}

std::string optional_text(const json& params, const char* name) {
    return params.is_object() && params.contains(name) ? text_of(params[name]) : std::string();
}

// The offset of the portal's zone at `t`, in minutes (0 for an unknown zone).
int zone_offset_minutes(const std::string& zone, TimePoint t) {
    if (zone.empty()) return 0;
    try {
        auto info = date::locate_zone(zone)->get_info(
            date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
        return static_cast<int>(
            std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
    } catch (const std::exception&) {
        return 0;
    }
}

// Rules write ISO times; Bitrix24 reads a time without an offset as server or user time
// (bitrix24.md §7), so every time goes out with an explicit one, in the form the documents
// show: local time and its offset, never "Z".
std::string local_time(TimePoint t, const PlanSettings& s) {
    int offset = zone_offset_minutes(s.time_zone, t);
    return offset == 0 ? bitrix::format_datetime(t) : format_iso8601(t, offset);
}

std::string deadline_param(const json& params, const char* name, const PlanSettings& s) {
    std::string raw = text_param(params, name);
    auto t = parse_iso8601(raw);
    if (!t) throw BadParams(std::string("param '") + name + "' is not an ISO time: " + raw);
    return local_time(*t, s);
}

// A field value that is a whole ISO date-time in UTC ("…Z", as rules write them) goes out in
// local time too; any other value (a text, a date without a time) as it is.
json local_fields(json fields, const PlanSettings& s) {
    for (auto& [key, value] : fields.items()) {
        if (!value.is_string()) continue;
        const auto& text = value.get_ref<const std::string&>();
        if (text.size() < 20 || text.back() != 'Z' || text[10] != 'T') continue;
        if (auto t = parse_iso8601(text)) value = local_time(*t, s);
    }
    return fields;
}

json fields_param(const json& params) {
    const json& f = need(params, "fields");
    if (!f.is_object() || f.empty()) throw BadParams("param 'fields' is not a non-empty object");
    return f;
}

// The tag goes on a line of its own after the visible text.
std::string tagged(std::string_view text, std::string_view key) {
    std::string out(text);
    if (!out.empty()) out += "\n\n";
    out += idempotency_tag(key);
    return out;
}

int owner_type_id(const std::string& entity_type) {
    if (entity_type == "lead") return 1;
    if (entity_type == "deal") return 2;
    throw BadParams("entity_type must be lead or deal, not '" + entity_type + "'");
}

BitrixCall create(std::string method, json params) {
    return {std::move(method), std::move(params), bitrix::Idempotency::not_idempotent};
}

BitrixCall write(std::string method, json params) {
    return {std::move(method), std::move(params), bitrix::Idempotency::idempotent};
}

Lookup lookup(std::string method, json params, bitrix::ListShape shape, std::string id_field,
              std::string text_field, std::string_view key) {
    return {{std::move(method), std::move(params), bitrix::Idempotency::read},
            shape,
            std::move(id_field),
            std::move(text_field),
            idempotency_tag(key)};
}

ActionPlan bitrix_plan(std::vector<BitrixCall> calls, std::optional<Lookup> found = {}) {
    ActionPlan plan;
    plan.kind = PlanKind::bitrix;
    plan.calls = std::move(calls);
    plan.lookup = std::move(found);
    return plan;
}

ActionPlan plan_task_add(const json& p, std::string_view key, const PlanSettings& s) {
    std::string title = with_marker(s.marker, text_param(p, "title"));
    json responsible = id_param(p, "responsible_id");
    // The tag goes to XML_ID, the task's "external identifier" (tasks/fields.md), which the
    // task form does not show: the description is the manager's to read.
    json fields = {{"TITLE", title},
                   {"RESPONSIBLE_ID", responsible},
                   {"DESCRIPTION", with_marker(s.marker, optional_text(p, "description"))},
                   {"XML_ID", idempotency_tag(key)}};
    if (p.contains("deadline") && !p["deadline"].is_null())
        fields["DEADLINE"] = deadline_param(p, "deadline", s);
    if (p.contains("priority") && !p["priority"].is_null()) fields["PRIORITY"] = p["priority"];
    json filter = {{"TITLE", title}, {"RESPONSIBLE_ID", responsible}};
    if (p.contains("bindings") && p["bindings"].is_array() && !p["bindings"].empty()) {
        fields["UF_CRM_TASK"] = p["bindings"];
        filter["UF_CRM_TASK"] = p["bindings"][0];
    }
    return bitrix_plan({create("tasks.task.add", {{"fields", fields}})},
                       lookup("tasks.task.list",
                              {{"filter", filter},
                               {"select", {"ID", "TITLE", "XML_ID"}},
                               {"order", {{"ID", "DESC"}}}},
                              bitrix::ListShape::tasks, "id", "xmlId", key));
}

ActionPlan plan_timeline_comment(const json& p, std::string_view key, const PlanSettings& s) {
    std::string type = text_param(p, "entity_type");
    int owner_type = owner_type_id(type);
    json id = id_param(p, "entity_id");
    std::string comment = tagged(with_marker(s.marker, text_param(p, "text")), key);
    std::vector<BitrixCall> calls{
        create("crm.timeline.comment.add",
               {{"fields", {{"ENTITY_ID", id}, {"ENTITY_TYPE", type}, {"COMMENT", comment}}}})};
    if (p.value("pin", false)) {
        BitrixCall pin =
            write("crm.timeline.item.pin", {{"ownerTypeId", owner_type}, {"ownerId", id}});
        pin.id_param = "id";
        calls.push_back(std::move(pin));
    }
    return bitrix_plan(std::move(calls),
                       lookup("crm.timeline.comment.list",
                              {{"filter", {{"ENTITY_ID", id}, {"ENTITY_TYPE", type}}},
                               {"select", {"ID", "COMMENT"}},
                               {"order", {{"ID", "DESC"}}}},
                              bitrix::ListShape::legacy, "ID", "COMMENT", key));
}

ActionPlan plan_bitrix(const std::string& kind, const json& p, std::string_view key,
                       const PlanSettings& s) {
    if (kind == "notify")
        return bitrix_plan(
            {create("im.notify.system.add",
                    {{"USER_ID", id_param(p, "user_id")},
                     {"MESSAGE", with_marker(s.marker, text_param(p, "message"))}})});
    if (kind == "task.add") return plan_task_add(p, key, s);
    if (kind == "task.update")
        return bitrix_plan(
            {write("tasks.task.update", {{"taskId", id_param(p, "task_id")},
                                         {"fields", local_fields(fields_param(p), s)}})});
    if (kind == "task.complete")
        return bitrix_plan({write("tasks.task.complete", {{"taskId", id_param(p, "task_id")}})});
    if (kind == "task.comment") {
        json task = id_param(p, "task_id");
        std::string message = tagged(with_marker(s.marker, text_param(p, "text")), key);
        return bitrix_plan(
            {create("task.commentitem.add",
                    {{"TASKID", task}, {"FIELDS", {{"POST_MESSAGE", message}}}})},
            lookup("task.commentitem.getlist", {{"TASKID", task}, {"ORDER", {{"ID", "desc"}}}},
                   bitrix::ListShape::legacy, "ID", "POST_MESSAGE", key));
    }
    if (kind == "timeline.comment") return plan_timeline_comment(p, key, s);
    if (kind == "lead.update")
        return bitrix_plan(
            {write("crm.lead.update", {{"id", id_param(p, "lead_id")},
                                       {"fields", local_fields(fields_param(p), s)}})});
    if (kind == "deal.update")
        return bitrix_plan(
            {write("crm.deal.update", {{"id", id_param(p, "deal_id")},
                                       {"fields", local_fields(fields_param(p), s)}})});
    if (kind == "deal.move")
        // crm.deal.update ignores a stage of another funnel (bitrix24.md §6 "Deals").
        return bitrix_plan(
            {write("crm.item.update", {{"entityTypeId", 2},
                                       {"id", id_param(p, "deal_id")},
                                       {"fields",
                                        {{"categoryId", id_param(p, "category_id")},
                                         {"stageId", text_param(p, "stage_id")}}}})});
    if (kind == "activity.complete")
        return bitrix_plan({write("crm.activity.update", {{"id", id_param(p, "activity_id")},
                                                          {"fields", {{"COMPLETED", "Y"}}}})});
    if (kind == "activity.todo") {
        json owner_type = id_param(p, "owner_type_id");
        json owner = id_param(p, "owner_id");
        json params = {
            {"ownerTypeId", owner_type},
            {"ownerId", owner},
            {"deadline", deadline_param(p, "deadline", s)},
            {"title", with_marker(s.marker, text_param(p, "title"))},
            {"description", tagged(with_marker(s.marker, optional_text(p, "description")), key)}};
        if (p.contains("responsible_id") && !p["responsible_id"].is_null())
            params["responsibleId"] = id_param(p, "responsible_id");
        return bitrix_plan({create("crm.activity.todo.add", params)},
                           lookup("crm.activity.list",
                                  {{"filter", {{"OWNER_TYPE_ID", owner_type}, {"OWNER_ID", owner}}},
                                   {"select", {"ID", "DESCRIPTION"}},
                                   {"order", {{"ID", "DESC"}}}},
                                  bitrix::ListShape::legacy, "ID", "DESCRIPTION", key));
    }
    throw BadParams("unknown action kind '" + kind + "'");
}

ActionPlan plan_wazzup(const store::NewAction& action, const json& p, const PlanSettings& s) {
    std::string name = text_param(p, "template");
    auto it = s.templates.find(name);
    if (it == s.templates.end()) throw BadParams("no Wazzup template named '" + name + "'");
    if (s.wazzup_channel_id.empty()) throw BadParams("Wazzup is not configured");
    ActionPlan plan;
    plan.kind = PlanKind::wazzup;
    if (it->second.empty()) {
        plan.skip = true;  // a slot the business has not written yet (config.hpp)
        return plan;
    }
    auto phone = wazzup::normalize_phone(text_param(p, "phone"), s.default_country);
    if (!phone) throw BadParams("phone: " + phone.error());
    wazzup::TemplateValues values;
    if (p.contains("values") && p["values"].is_object())
        for (auto& [k, v] : p["values"].items())
            values[k] = text_of(v);
    wazzup::TemplateSpec spec = wazzup::TextTemplate{it->second.text};
    if (!it->second.waba_template_id.empty())
        spec = wazzup::WabaTemplate{it->second.waba_template_id, it->second.values};
    auto rendered = wazzup::render(spec, values);
    if (!rendered) throw BadParams("template '" + name + "': " + rendered.error());
    plan.skip = rendered->skip;
    // A WABA template goes through the WABA channel, free text through the WhatsApp one
    // (check-config refuses a WABA template without a WABA channel).
    const std::string& channel = rendered->is_template() && !s.wazzup_waba_channel_id.empty()
                                     ? s.wazzup_waba_channel_id
                                     : s.wazzup_channel_id;
    plan.message = {channel, *phone, *rendered, action.idempotency_key};
    return plan;
}

}  // namespace

PlanSettings plan_settings(const config::Config& config) {
    PlanSettings s;
    s.marker = config.portal.marker;
    s.time_zone = config.portal.time_zone;
    if (config.wazzup) {
        s.templates = config.wazzup->templates;
        s.wazzup_channel_id = config.wazzup->channel_id;
        s.wazzup_waba_channel_id = config.wazzup->waba_channel_id;
    }
    for (const auto* group : {&config.people.managers, &config.people.heads})
        for (const auto& person : *group)
            s.user_names[std::to_string(person.user_id)] = person.name;
    return s;
}

std::string idempotency_tag(std::string_view idempotency_key) {
    return std::string(rules::automated_tag) + std::string(idempotency_key);
}

std::string with_marker(std::string_view marker, std::string_view raw) {
    if (marker.empty()) return std::string(raw);
    // A text quoting the daemon's own task ("Задача «[Регламент] Перезвонить…»") shows the
    // marker once, at its start.
    std::string text(raw);
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
        auto end = at + marker.size();
        if (end < text.size() && text[end] == ' ') ++end;
        text.erase(at, end - at);
    }
    if (text.empty()) return std::string(marker);
    return std::string(marker) + " " + text;
}

std::string action_reason(const store::NewAction& action) {
    json payload = json::parse(action.payload, nullptr, false);
    if (payload.is_object() && payload.contains("reason")) return text_of(payload["reason"]);
    return {};
}

ActionPlan plan_action(const store::NewAction& action, const PlanSettings& settings) {
    ActionPlan plan;
    json payload = json::parse(action.payload, nullptr, false);
    if (!payload.is_object()) {
        plan.error = "payload is not a JSON object";
        return plan;
    }
    json params = payload.value("params", json::object());
    try {
        if (action.kind == "journal.note") {
            plan.kind = PlanKind::journal;
            plan.note = text_param(params, "text");
            return plan;
        }
        if (action.kind == "lookup.duplicates") {
            plan.kind = PlanKind::duplicates;
            plan.params = params;
            return plan;
        }
        if (action.kind == "wazzup.send") return plan_wazzup(action, params, settings);
        return plan_bitrix(action.kind, params, action.idempotency_key, settings);
    } catch (const BadParams& e) {
        plan = {};
        plan.error = action.kind + ": " + e.what();
        return plan;
    } catch (const json::exception& e) {
        plan = {};
        plan.error = action.kind + ": malformed params: " + e.what();
        return plan;
    }
}

std::string created_id(std::string_view method, const nlohmann::json& result) {
    const json* v = &result;
    if (method == "tasks.task.add" && result.is_object() && result.contains("task"))
        v = &result["task"];
    if (v->is_object()) {
        for (const char* k : {"id", "ID"})
            if (v->contains(k)) return text_of((*v)[k]);
        return {};
    }
    if (v->is_number() || v->is_string()) return text_of(*v);
    return {};
}

std::optional<std::string> find_tagged(const Lookup& lookup, const nlohmann::json& result) {
    const json& items = bitrix::page_items(result, lookup.shape);
    if (!items.is_array()) return std::nullopt;
    for (const json& item : items) {
        if (!item.is_object() || !item.contains(lookup.text_field)) continue;
        std::string text = text_of(item[lookup.text_field]);
        // The tag ends its text, so "…:k1" does not match the row of "…:k10".
        if (text.size() >= lookup.tag.size() &&
            text.compare(text.size() - lookup.tag.size(), lookup.tag.size(), lookup.tag) == 0 &&
            item.contains(lookup.id_field))
            return text_of(item[lookup.id_field]);
    }
    return std::nullopt;
}

BitrixCall with_created_id(BitrixCall call, const std::string& id) {
    if (call.id_param) {
        auto number = bitrix::as_int(json(id));
        call.params[*call.id_param] = number ? json(*number) : json(id);
        call.id_param.reset();
    }
    return call;
}

Recovery recovery_for(const bitrix::Error& error) {
    namespace c = bitrix::codes;
    if (error.is(c::outcome_unknown)) return Recovery::unknown;
    // The client gives these back only after its own retries; the request either never ran
    // or was a read or an idempotent write (bitrix/retry.hpp), so trying later is safe.
    for (std::string_view code : {c::connect_failed, c::transport, c::timeout, c::unexpected_body,
                                  c::query_limit, c::operation_time_limit, c::result_missing,
                                  c::reauthorise, std::string_view("INTERNAL_SERVER_ERROR")})
        if (error.is(code)) return Recovery::retry;
    if (error.http_status >= 500 || error.http_status == 429) return Recovery::retry;
    return Recovery::fail;
}

std::chrono::milliseconds backoff_after(int attempts, const Backoff& backoff) {
    auto wait = backoff.base;
    for (int i = 1; i < attempts && wait < backoff.cap; ++i)
        wait *= 2;
    return std::min(wait, backoff.cap);
}

}  // namespace reglament::daemon
