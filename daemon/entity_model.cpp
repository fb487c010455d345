#include "daemon/entity_model.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <utility>

#include "bitrix/entities.hpp"
#include "bitrix/fields.hpp"
#include "rules/phone.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace {

// ---- the read's result --------------------------------------------------------------------

bool has_any_lower(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c) != 0; });
}

std::string id_of(const json& row) {
    return bitrix::text_or_empty(row, {"ID", "id"});
}

// The one object the rules care about: a *.get answers it bare, tasks.task.get as {"task"},
// crm.item.get as {"item"}, a *.list as rows (crm.item.list / tasks.task.list wrapped once more).
const json* unwrap(const rules::EntityRef& ref, const json& result) {
    const json* at = &result;
    if (at->is_object() && at->size() == 1) {
        for (const char* wrapper : {"task", "item", "tasks", "items"}) {
            auto it = at->find(wrapper);
            if (it != at->end()) {
                at = &*it;
                break;
            }
        }
    }
    if (bitrix::is_empty(*at)) return nullptr;
    if (at->is_array()) {
        for (const auto& row : *at)
            if (row.is_object() && id_of(row) == ref.id) return &row;
        // A single row without an id (a select that left ID out) can only be the one asked.
        if (at->size() == 1 && (*at)[0].is_object() && id_of((*at)[0]).empty()) return &(*at)[0];
        return nullptr;
    }
    return at->is_object() ? at : nullptr;
}

// ---- fields by code -------------------------------------------------------------------------

// crm.item's camelCase name → the legacy code the config and the rules use ("ufCrmMeetingDate"
// → "UF_CRM_MEETING_DATE", "ufCrm5_1234" → "UF_CRM_5_1234", "assignedById" →
// "ASSIGNED_BY_ID"). A few names differ in more than case (bitrix24.md §6).
std::string legacy_code(const std::string& key, bool lead) {
    if (!has_any_lower(key)) return key;
    static constexpr std::pair<std::string_view, std::string_view> renamed[] = {
        {"createdTime", "DATE_CREATE"}, {"updatedTime", "DATE_MODIFY"},
        {"createdBy", "CREATED_BY_ID"}, {"updatedBy", "MODIFY_BY_ID"},
        {"movedBy", "MOVED_BY_ID"},     {"closedTime", "DATE_CLOSED"},
    };
    for (const auto& [camel, legacy] : renamed)
        if (key == camel) return std::string(legacy);
    // A lead's STATUS_ID is crm.item's stageId.
    if (lead && key == "stageId") return "STATUS_ID";
    if (lead && key == "stageSemanticId") return "STATUS_SEMANTIC_ID";
    std::string out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        auto c = static_cast<unsigned char>(key[i]);
        auto prev = i > 0 ? static_cast<unsigned char>(key[i - 1]) : 0;
        if (i > 0 && ((std::isupper(c) && prev != '_') || (std::isdigit(c) && std::isalpha(prev))))
            out += '_';
        out += static_cast<char>(std::toupper(c));
    }
    return out;
}

// Left out of `fields`: what the model holds in its own members, and the portal's bookkeeping,
// which changes on every touch (the daemon's own writes too) and would make the engine's echo
// check see a change where the rules see none.
const std::set<std::string, std::less<>>& bookkeeping() {
    static const std::set<std::string, std::less<>> keys = {"MODIFY_BY_ID",
                                                            "MOVED_BY_ID",
                                                            "LAST_ACTIVITY_TIME",
                                                            "LAST_ACTIVITY_BY",
                                                            "LAST_COMMUNICATION_TIME",
                                                            "HAS_PHONE",
                                                            "HAS_EMAIL",
                                                            "HAS_IMOL",
                                                            "FM"};
    return keys;
}

const std::set<std::string, std::less<>>& lead_members() {
    static const std::set<std::string, std::less<>> keys = {
        "ID",        "TITLE", "STATUS_ID", "STATUS_SEMANTIC_ID", "ASSIGNED_BY_ID", "NAME",
        "LAST_NAME", "PHONE", "EMAIL",     "SOURCE_ID",          "DATE_CREATE",    "DATE_MODIFY",
        "MOVED_TIME"};
    return keys;
}

const std::set<std::string, std::less<>>& deal_members() {
    static const std::set<std::string, std::less<>> keys = {
        "ID",        "TITLE",      "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID", "ASSIGNED_BY_ID",
        "LEAD_ID",   "CONTACT_ID", "OPPORTUNITY", "CLOSED",   "DATE_CREATE",       "DATE_MODIFY",
        "MOVED_TIME"};
    return keys;
}

// Every other field by its legacy code, raw (the rules read UF_CRM_* dates, IM, WEB, ...).
json other_fields(const json& o, const std::set<std::string, std::less<>>& members, bool lead) {
    json out = json::object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        std::string code = legacy_code(it.key(), lead);
        if (members.count(code) || bookkeeping().count(code)) continue;
        out[code] = it.value();
    }
    // crm.item puts IM and WEB in `fm` beside PHONE and EMAIL; give them the legacy shape.
    const json* fm = bitrix::find_field(o, {"fm", "FM"});
    if (fm && (fm->is_array() || fm->is_object())) {
        for (const auto& e : *fm) {
            std::string type = bitrix::text_or_empty(e, {"typeId", "TYPE_ID"});
            if (type.empty() || type == "PHONE" || type == "EMAIL") continue;
            json& list = out[type];
            if (!list.is_array()) list = json::array();
            list.push_back({{"ID", bitrix::text_or_empty(e, {"id", "ID"})},
                            {"VALUE_TYPE", bitrix::text_or_empty(e, {"valueType", "VALUE_TYPE"})},
                            {"VALUE", bitrix::text_or_empty(e, {"value", "VALUE"})},
                            {"TYPE_ID", type}});
        }
    }
    return out;
}

std::vector<std::string> values_of(const std::vector<bitrix::Multifield>& list) {
    std::vector<std::string> out;
    for (const auto& m : list)
        out.push_back(m.value);
    return out;
}

// ---- one model per type ---------------------------------------------------------------------

rules::Lead lead_model(const json& o) {
    auto b = bitrix::lead_from(o);
    rules::Lead l;
    l.id = b.id;
    l.title = b.title;
    l.status_id = b.status_id;
    l.status_semantic = b.status_semantic_id;
    l.assigned_by_id = b.assigned_by_id;
    l.name = bitrix::text_or_empty(o, {"NAME", "name"});
    l.last_name = bitrix::text_or_empty(o, {"LAST_NAME", "lastName"});
    l.phones = values_of(b.phones);
    l.emails = values_of(b.emails);
    l.source_id = b.source_id;
    l.created = b.date_create;
    l.modified = b.date_modify;
    l.moved = b.moved_time;
    l.fields = other_fields(o, lead_members(), true);
    return l;
}

rules::Deal deal_model(const json& o) {
    auto b = bitrix::deal_from(o);
    rules::Deal d;
    d.id = b.id;
    d.title = b.title;
    if (!b.category_id.empty()) d.category_id = b.category_id;
    d.stage_id = b.stage_id;
    d.stage_semantic = b.stage_semantic_id;
    d.assigned_by_id = b.assigned_by_id;
    d.lead_id = b.lead_id;
    d.contact_id = b.contact_id;
    d.opportunity = b.opportunity.value_or(0);
    d.closed = b.closed.value_or(false);
    d.created = b.date_create;
    d.modified = b.date_modify;
    d.moved = b.moved_time;
    d.fields = other_fields(o, deal_members(), false);
    return d;
}

rules::Task task_model(const json& o) {
    auto b = bitrix::task_from(o);
    rules::Task t;
    t.id = b.id;
    t.title = b.title;
    t.description = bitrix::text_or_empty(o, {"DESCRIPTION", "description"});
    t.xml_id = bitrix::text_or_empty(o, {"XML_ID", "xmlId"});
    t.responsible_id = b.responsible_id;
    t.created_by = b.created_by;
    t.status = b.status.value_or(t.status);
    t.priority = b.priority.value_or(t.priority);
    t.deadline = b.deadline;
    t.created = b.created_date;
    t.closed = b.closed_date;
    t.changed = b.changed_date;
    t.crm_bindings = b.crm_bindings;
    t.comments_count =
        static_cast<int>(bitrix::int_field(o, {"COMMENTS_COUNT", "commentsCount"}).value_or(0));
    return t;
}

int small_int(const json& o, std::initializer_list<std::string_view> keys) {
    return static_cast<int>(bitrix::int_field(o, keys).value_or(0));
}

rules::Activity activity_model(const json& o) {
    auto b = bitrix::activity_from(o);
    rules::Activity a;
    a.id = b.id;
    a.owner_type_id = small_int(o, {"OWNER_TYPE_ID", "ownerTypeId"});
    a.owner_id = b.owner_id;
    a.type_id = small_int(o, {"TYPE_ID", "typeId"});
    a.direction = b.direction.value_or(0);
    a.completed = b.completed.value_or(false);
    a.subject = b.subject;
    a.responsible_id = b.responsible_id;
    a.provider_id = b.provider_id;
    a.start = b.start_time;
    a.end = b.end_time;
    a.deadline = b.deadline;
    // COMMUNICATIONS: [{ID, TYPE: "PHONE"|"EMAIL"|..., VALUE, ENTITY_ID, ENTITY_TYPE_ID}].
    if (const json* list = bitrix::find_field(o, {"COMMUNICATIONS", "communications"});
        list && list->is_array())
        for (const auto& c : *list) {
            std::string type = bitrix::text_or_empty(c, {"TYPE", "type"});
            std::string value = bitrix::text_or_empty(c, {"VALUE", "value"});
            if (type == "PHONE" && !value.empty()) a.phones.push_back(value);
        }
    return a;
}

// crm.timeline.comment.get: {ID, CREATED, ENTITY_ID, ENTITY_TYPE ("deal"), AUTHOR_ID, COMMENT}.
rules::TimelineComment comment_model(const json& o) {
    rules::TimelineComment c;
    c.id = bitrix::text_or_empty(o, {"ID", "id"});
    c.owner_id = bitrix::text_or_empty(o, {"ENTITY_ID", "entityId"});
    c.owner_type = bitrix::text_or_empty(o, {"ENTITY_TYPE", "entityType"});
    std::transform(c.owner_type.begin(), c.owner_type.end(), c.owner_type.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    c.text = bitrix::text_or_empty(o, {"COMMENT", "comment"});
    c.author_id = bitrix::text_or_empty(o, {"AUTHOR_ID", "authorId"});
    c.created = bitrix::time_field(o, {"CREATED", "created"});
    return c;
}

// ---- terms ----------------------------------------------------------------------------------

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

const char* owner_type_name(int owner_type_id) {
    switch (owner_type_id) {
        case 1:
            return "lead";
        case 2:
            return "deal";
        case 3:
            return "contact";
        case 4:
            return "company";
    }
    return nullptr;
}

void add_term(std::vector<store::SnapshotTerm>& out, std::string_view name, std::string value) {
    if (value.empty()) return;
    store::SnapshotTerm term{std::string(name), std::move(value)};
    if (std::find(out.begin(), out.end(), term) == out.end()) out.push_back(std::move(term));
}

struct TermsOf {
    std::vector<store::SnapshotTerm>& out;
    void operator()(const std::monostate&) const {}
    void operator()(const rules::Lead& l) const {
        for (const auto& p : l.phones)
            add_term(out, terms::lead_phone, rules::normalise_phone(p));
        for (const auto& e : l.emails)
            add_term(out, terms::lead_email, lower_ascii(e));
    }
    void operator()(const rules::Deal& d) const {
        if (d.lead_id != "0") add_term(out, terms::deal_lead, d.lead_id);
    }
    void operator()(const rules::Task& t) const {
        for (const auto& b : t.crm_bindings)
            add_term(out, terms::task_binding, b);
    }
    void operator()(const rules::Activity& a) const {
        const char* owner = owner_type_name(a.owner_type_id);
        if (owner && !a.owner_id.empty())
            add_term(out, terms::activity_owner, std::string(owner) + ":" + a.owner_id);
    }
    void operator()(const rules::TimelineComment& c) const {
        if (!c.owner_type.empty() && !c.owner_id.empty())
            add_term(out, terms::comment_owner, c.owner_type + ":" + c.owner_id);
    }
};

json json_of(const rules::Entity& entity) {
    return std::visit(
        [](const auto& v) -> json {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
                return nullptr;
            else
                return json(v);
        },
        entity);
}

}  // namespace

std::optional<EntityRead> entity_read(const rules::EntityRef& ref) {
    if (ref.type == "lead") return EntityRead{"crm.lead.get", {{"id", ref.id}}};
    if (ref.type == "deal") return EntityRead{"crm.deal.get", {{"id", ref.id}}};
    if (ref.type == "task")
        return EntityRead{"tasks.task.get",
                          {{"taskId", ref.id},
                           {"select",
                            {"ID", "TITLE", "DESCRIPTION", "XML_ID", "RESPONSIBLE_ID", "CREATED_BY",
                             "STATUS", "REAL_STATUS", "PRIORITY", "DEADLINE", "CREATED_DATE",
                             "CHANGED_DATE", "CLOSED_DATE", "COMMENTS_COUNT", "UF_CRM_TASK"}}}};
    if (ref.type == "activity")
        return EntityRead{"crm.activity.list",
                          {{"filter", {{"ID", ref.id}}}, {"select", {"*", "COMMUNICATIONS"}}}};
    if (ref.type == "timeline_comment")
        return EntityRead{"crm.timeline.comment.get", {{"id", ref.id}}};
    return std::nullopt;
}

rules::Entity entity_from_rest(const rules::EntityRef& ref, const json& result) {
    const json* o = unwrap(ref, result);
    if (!o) return std::monostate{};
    // A select without ID still names the entity asked for.
    auto with_id = [&](auto model) -> rules::Entity {
        if (model.id.empty()) model.id = ref.id;
        return model;
    };
    if (ref.type == "lead") return with_id(lead_model(*o));
    if (ref.type == "deal") return with_id(deal_model(*o));
    if (ref.type == "task") return with_id(task_model(*o));
    if (ref.type == "activity") return with_id(activity_model(*o));
    if (ref.type == "timeline_comment") return with_id(comment_model(*o));
    return std::monostate{};
}

rules::Call call_model(const bitrix::Call& b) {
    rules::Call c;
    c.call_id = b.call_id;
    c.type = b.call_type.value_or(0);
    c.phone = b.phone_number;
    c.portal_user_id = b.portal_user_id;
    c.duration_seconds = static_cast<int>(b.duration_seconds.value_or(0));
    c.start = b.start;
    c.failed_code = b.failed_code;
    c.crm_entity_type = b.crm_entity_type;
    c.crm_entity_id = b.crm_entity_id;
    c.crm_activity_id = b.crm_activity_id;
    return c;
}

rules::TimelineComment comment_from_rest(const json& row) {
    return comment_model(row);
}

rules::Call call_from_rest(const json& row) {
    return call_model(bitrix::call_from(row));
}

std::vector<store::SnapshotTerm> snapshot_terms(const rules::Entity& entity) {
    std::vector<store::SnapshotTerm> out;
    std::visit(TermsOf{out}, entity);
    return out;
}

bool in_process(const rules::Entity& entity) {
    if (const auto* lead = std::get_if<rules::Lead>(&entity))
        return lead->status_semantic != "S" && lead->status_semantic != "F";
    if (const auto* deal = std::get_if<rules::Deal>(&entity)) return !deal->closed;
    if (const auto* task = std::get_if<rules::Task>(&entity))
        return task->status != static_cast<int>(rules::TaskStatus::completed);
    return true;
}

store::Snapshot snapshot_of(const rules::EntityRef& ref, const rules::Entity& entity,
                            TimePoint now) {
    return store::Snapshot{ref.key(), json_of(entity).dump(), now, snapshot_terms(entity),
                           in_process(entity)};
}

rules::Entity entity_from_snapshot(const rules::EntityRef& ref, std::string_view text) {
    if (text.empty()) return std::monostate{};
    try {
        json j = json::parse(text);
        if (j.is_null()) return std::monostate{};
        if (!j.is_object()) throw std::invalid_argument("not an object");
        if (ref.type == "lead") return j.get<rules::Lead>();
        if (ref.type == "deal") return j.get<rules::Deal>();
        if (ref.type == "task") return j.get<rules::Task>();
        if (ref.type == "activity") return j.get<rules::Activity>();
        if (ref.type == "timeline_comment") return j.get<rules::TimelineComment>();
        return std::monostate{};
    } catch (const std::exception& e) {
        throw std::invalid_argument("snapshot " + ref.key() + ": " + e.what());
    }
}

bool same_entity(const rules::Entity& a, const rules::Entity& b) {
    return a.index() == b.index() && json_of(a) == json_of(b);
}

}  // namespace reglament::daemon
