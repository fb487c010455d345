// CRM leads, deals, crm.item.*, directories, stage history and duplicate search.
#include <algorithm>
#include <cctype>

#include "emulator/listing.hpp"
#include "emulator/portal.hpp"
#include "emulator/rest_error.hpp"
#include "emulator/values.hpp"

namespace reglament::emulator {

namespace {

json multifield_json(const std::vector<Multifield>& fm, char type) {
    json a = json::array();
    for (const auto& m : fm)
        if (m.type == type)
            a.push_back({{"ID", id_str(m.id)},
                         {"VALUE_TYPE", m.value_type},
                         {"VALUE", m.value},
                         {"TYPE_ID", type == 'P' ? "PHONE" : "EMAIL"}});
    return a;
}

json fm_camel(const std::vector<Multifield>& fm) {
    json a = json::array();
    for (const auto& m : fm)
        a.push_back({{"id", m.id},
                     {"typeId", m.type == 'P' ? "PHONE" : "EMAIL"},
                     {"valueType", m.value_type},
                     {"value", m.value}});
    return a;
}

Kind uf_kind(const std::string& type) {
    if (type == "datetime" || type == "date") return Kind::Date;
    if (type == "double" || type == "integer") return Kind::Num;
    if (type == "boolean") return Kind::Flag;
    return Kind::Str;
}

std::string uf_value(const UfValues& uf, std::uint16_t index) {
    for (const auto& [i, v] : uf)
        if (i == index) return v;
    return "";
}

void set_uf(UfValues& uf, std::uint16_t index, std::string value) {
    for (auto& [i, v] : uf)
        if (i == index) {
            v = std::move(value);
            return;
        }
    uf.emplace_back(index, std::move(value));
}

// crm.item.* takes camelCase keys; map them to the legacy names the setters understand.
template <class Row>
json legacy_keys(const json& fields, const std::vector<Field<Row>>& table) {
    json out = json::object();
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (it.key() == "fm") {
            out["fm"] = it.value();
            continue;
        }
        const auto* f = find_field(table, it.key());
        out[f ? f->name : upper(it.key())] = it.value();
    }
    return out;
}

template <class Row>
void apply_uf(Portal& p, Row& row, const std::string& entity, const json& fields) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (it.key().rfind("UF_", 0) != 0) continue;
        std::string v = it.value().is_array() && !it.value().empty() ? text_of(it.value()[0])
                                                                     : text_of(it.value());
        if (it.value().is_boolean()) v = it.value().get<bool>() ? "1" : "0";
        set_uf(row.uf, p.user_field_index(entity, it.key()), v);
    }
}

// PHONE/EMAIL arrays: an entry without ID adds, {ID, VALUE} changes, {ID, VALUE:""} deletes;
// crm.item's `fm` is the same in camelCase (bitrix24.md §6 "Multifield updates").
void apply_multifields(std::vector<Multifield>& fm, const json& fields, Id& seq) {
    for (const char* key : {"PHONE", "EMAIL"}) {
        auto it = fields.find(key);
        if (it == fields.end() || !it->is_array()) continue;
        char type = key[0];
        for (const auto& e : *it) {
            Id id = e.contains("ID") ? id_of(e["ID"]) : 0;
            std::string value = e.contains("VALUE") ? text_of(e["VALUE"]) : "";
            std::string vt = e.contains("VALUE_TYPE") ? text_of(e["VALUE_TYPE"]) : "WORK";
            if (id == 0) {
                if (!value.empty()) fm.push_back({++seq, type, vt, value});
                continue;
            }
            auto m =
                std::find_if(fm.begin(), fm.end(), [&](const Multifield& x) { return x.id == id; });
            if (m == fm.end()) continue;
            if (value.empty() || (e.contains("DELETE") && text_of(e["DELETE"]) == "Y"))
                fm.erase(m);
            else
                m->value = value;
        }
    }
    auto it = fields.find("fm");
    if (it != fields.end() && (it->is_object() || it->is_array())) {
        for (auto e = it->begin(); e != it->end(); ++e) {
            const json& v = e.value();
            std::string type = v.contains("typeId") ? text_of(v["typeId"]) : "";
            if (type.empty()) continue;  // typeId is required or nothing changes
            std::string value = v.contains("value") ? text_of(v["value"]) : "";
            Id id = it->is_object() && !e.key().empty() &&
                            std::isdigit(static_cast<unsigned char>(e.key()[0]))
                        ? std::stoll(e.key())
                        : 0;
            if (id == 0) {
                if (!value.empty())
                    fm.push_back({++seq, type == "EMAIL" ? 'E' : 'P',
                                  v.contains("valueType") ? text_of(v["valueType"]) : "WORK",
                                  value});
                continue;
            }
            auto m =
                std::find_if(fm.begin(), fm.end(), [&](const Multifield& x) { return x.id == id; });
            if (m == fm.end()) continue;
            if (value.empty())
                fm.erase(m);
            else
                m->value = value;
        }
    }
}

std::string semantic_word(char s) {
    return s == 'S' ? "success" : (s == 'F' ? "failure" : "process");
}

Id g_multifield_seq = 0;

}  // namespace

// ---------------------------------------------------------------- field tables

std::vector<Field<Lead>> Portal::lead_fields() const {
    std::vector<Field<Lead>> f = {
        {"ID", "id", Kind::Int, [](const Lead& l) -> json { return id_str(l.id); }},
        {"TITLE", "title", Kind::Str, [](const Lead& l) -> json { return l.title; }},
        {"NAME", "name", Kind::Str, [](const Lead& l) -> json { return l.name; }},
        {"STATUS_ID", "stageId", Kind::Str, [](const Lead& l) -> json { return l.status_id; }},
        {"STATUS_SEMANTIC_ID", "stageSemanticId", Kind::Str,
         [this](const Lead& l) -> json { return std::string(1, lead_semantic(l.status_id)); }},
        {"SOURCE_ID", "sourceId", Kind::Str, [](const Lead& l) -> json { return l.source_id; }},
        {"ASSIGNED_BY_ID", "assignedById", Kind::Int,
         [](const Lead& l) -> json { return id_str(l.assigned_by); }},
        {"CREATED_BY_ID", "createdBy", Kind::Int,
         [](const Lead& l) -> json { return id_str(l.created_by); }},
        {"MODIFY_BY_ID", "updatedBy", Kind::Int,
         [](const Lead& l) -> json { return id_str(l.modify_by); }},
        {"DATE_CREATE", "createdTime", Kind::Date,
         [this](const Lead& l) -> json { return iso(l.date_create); }},
        {"DATE_MODIFY", "updatedTime", Kind::Date,
         [this](const Lead& l) -> json { return iso(l.date_modify); }},
        {"MOVED_TIME", "movedTime", Kind::Date,
         [this](const Lead& l) -> json { return iso(l.moved_time); }},
        {"OPPORTUNITY", "opportunity", Kind::Num,
         [](const Lead& l) -> json {
             return std::to_string(l.opportunity)
                 .substr(0, std::to_string(l.opportunity).find('.') + 3);
         }},
        {"CURRENCY_ID", "currencyId", Kind::Str, [](const Lead&) -> json { return "RUB"; }},
        {"OPENED", "opened", Kind::Flag, [](const Lead&) -> json { return "Y"; }},
        {"HAS_PHONE", "hasPhone", Kind::Flag,
         [](const Lead& l) -> json {
             return yn(
                 std::any_of(l.fm.begin(), l.fm.end(), [](auto& m) { return m.type == 'P'; }));
         }},
        {"HAS_EMAIL", "hasEmail", Kind::Flag,
         [](const Lead& l) -> json {
             return yn(
                 std::any_of(l.fm.begin(), l.fm.end(), [](auto& m) { return m.type == 'E'; }));
         }},
        {"COMMENTS", "comments", Kind::Str, [](const Lead& l) -> json { return l.comments; }},
        {"PHONE", "phone", Kind::List,
         [](const Lead& l) -> json { return multifield_json(l.fm, 'P'); }, false},
        {"EMAIL", "email", Kind::List,
         [](const Lead& l) -> json { return multifield_json(l.fm, 'E'); }, false},
    };
    for (std::size_t i = 0; i < user_fields.size(); ++i) {
        if (user_fields[i].entity != "CRM_LEAD") continue;
        auto idx = static_cast<std::uint16_t>(i);
        f.push_back({user_fields[i].name, uf_camel(user_fields[i].name),
                     uf_kind(user_fields[i].type),
                     [idx](const Lead& l) -> json { return uf_value(l.uf, idx); }, false});
    }
    return f;
}

std::vector<Field<Deal>> Portal::deal_fields() const {
    std::vector<Field<Deal>> f = {
        {"ID", "id", Kind::Int, [](const Deal& d) -> json { return id_str(d.id); }},
        {"TITLE", "title", Kind::Str, [](const Deal& d) -> json { return d.title; }},
        {"CATEGORY_ID", "categoryId", Kind::Int,
         [](const Deal& d) -> json { return id_str(d.category_id); }},
        {"STAGE_ID", "stageId", Kind::Str, [](const Deal& d) -> json { return d.stage_id; }},
        {"STAGE_SEMANTIC_ID", "stageSemanticId", Kind::Str,
         [this](const Deal& d) -> json {
             return std::string(1, deal_semantic(d.category_id, d.stage_id));
         }},
        {"CLOSED", "closed", Kind::Flag,
         [this](const Deal& d) -> json {
             return yn(deal_semantic(d.category_id, d.stage_id) != 'P');
         }},
        {"OPPORTUNITY", "opportunity", Kind::Num,
         [](const Deal& d) -> json {
             return std::to_string(d.opportunity)
                 .substr(0, std::to_string(d.opportunity).find('.') + 3);
         }},
        {"CURRENCY_ID", "currencyId", Kind::Str, [](const Deal& d) -> json { return d.currency; }},
        {"ASSIGNED_BY_ID", "assignedById", Kind::Int,
         [](const Deal& d) -> json { return id_str(d.assigned_by); }},
        {"CREATED_BY_ID", "createdBy", Kind::Int,
         [](const Deal& d) -> json { return id_str(d.created_by); }},
        {"MODIFY_BY_ID", "updatedBy", Kind::Int,
         [](const Deal& d) -> json { return id_str(d.modify_by); }},
        {"LEAD_ID", "leadId", Kind::Int,
         [](const Deal& d) -> json { return d.lead_id ? json(id_str(d.lead_id)) : json(nullptr); }},
        {"CONTACT_ID", "contactId", Kind::Int,
         [](const Deal& d) -> json {
             return d.contact_id ? json(id_str(d.contact_id)) : json(nullptr);
         }},
        {"DATE_CREATE", "createdTime", Kind::Date,
         [this](const Deal& d) -> json { return iso(d.date_create); }},
        {"DATE_MODIFY", "updatedTime", Kind::Date,
         [this](const Deal& d) -> json { return iso(d.date_modify); }},
        {"MOVED_TIME", "movedTime", Kind::Date,
         [this](const Deal& d) -> json { return iso(d.moved_time); }},
        {"OPENED", "opened", Kind::Flag, [](const Deal&) -> json { return "Y"; }},
        {"COMMENTS", "comments", Kind::Str, [](const Deal& d) -> json { return d.comments; }},
    };
    for (std::size_t i = 0; i < user_fields.size(); ++i) {
        if (user_fields[i].entity != "CRM_DEAL") continue;
        auto idx = static_cast<std::uint16_t>(i);
        f.push_back({user_fields[i].name, uf_camel(user_fields[i].name),
                     uf_kind(user_fields[i].type),
                     [idx](const Deal& d) -> json { return uf_value(d.uf, idx); }, false});
    }
    return f;
}

// ---------------------------------------------------------------- changes

void Portal::record_lead_stage(const Lead& l, int type, Instant now) {
    char sem = lead_semantic(l.status_id);
    if (type == 2 && sem != 'P') type = 3;
    lead_history.push_back({next_id("history"), 1, type, l.id, now, 0, l.status_id, sem});
}

void Portal::record_deal_stage(const Deal& d, int type, Instant now) {
    char sem = deal_semantic(d.category_id, d.stage_id);
    if (type == 2 && sem != 'P') type = 3;
    deal_history.push_back(
        {next_id("history"), 2, type, d.id, now, d.category_id, d.stage_id, sem});
}

Lead& Portal::add_lead(json fields, Id by, Instant now) {
    Lead l;
    l.id = next_id("lead");
    if (!leads.empty() && leads.back().id >= l.id) l.id = leads.back().id + 1;
    sequences_["lead"] = l.id;
    l.created_by = l.modify_by = l.assigned_by = by;
    l.date_create = l.date_modify = l.moved_time = now;
    l.status_id = first_status_or_new();
    leads.push_back(std::move(l));
    Lead& ref = leads.back();
    apply_lead_fields(ref, fields);
    if (auto* v = param(fields, "DATE_CREATE")) {
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes))
            ref.date_create = ref.moved_time = *t;
    }
    record_lead_stage(ref, 1, ref.date_create);
    emit("ONCRMLEADADD", {{"FIELDS", {{"ID", id_str(ref.id)}}}});
    return ref;
}

std::string Portal::first_status_or_new() const {
    const Status* best = nullptr;
    for (const auto& s : statuses)
        if (s.entity_id == "STATUS" && (!best || s.sort < best->sort)) best = &s;
    return best ? best->status_id : "NEW";
}

void Portal::apply_lead_fields(Lead& l, const json& fields) {
    if (auto* v = param(fields, "TITLE")) l.title = text_of(*v);
    if (auto* v = param(fields, "NAME")) l.name = text_of(*v);
    if (auto* v = param(fields, "STATUS_ID")) l.status_id = text_of(*v);
    if (auto* v = param(fields, "SOURCE_ID")) l.source_id = text_of(*v);
    if (auto* v = param(fields, "ASSIGNED_BY_ID")) l.assigned_by = id_of(*v);
    if (auto* v = param(fields, "OPPORTUNITY")) l.opportunity = num_of(*v);
    if (auto* v = param(fields, "COMMENTS")) l.comments = text_of(*v);
    apply_multifields(l.fm, fields, g_multifield_seq);
    apply_uf(*this, l, "CRM_LEAD", fields);
}

Lead& Portal::update_lead(Id id, const json& fields, Id by, Instant now) {
    Lead* l = find_lead(id);
    if (!l) throw not_found("Not found");
    std::string before = l->status_id;
    apply_lead_fields(*l, fields);
    if (!find_status("STATUS", l->status_id) && !statuses.empty()) l->status_id = before;
    l->modify_by = by;
    l->date_modify = now;
    if (l->status_id != before) {
        l->moved_time = now;
        record_lead_stage(*l, 2, now);
    }
    emit("ONCRMLEADUPDATE", {{"FIELDS", {{"ID", id_str(l->id)}}}});
    return *l;
}

void Portal::apply_deal_fields(Deal& d, const json& fields) {
    if (auto* v = param(fields, "TITLE")) d.title = text_of(*v);
    if (auto* v = param(fields, "ASSIGNED_BY_ID")) d.assigned_by = id_of(*v);
    if (auto* v = param(fields, "OPPORTUNITY")) d.opportunity = num_of(*v);
    if (auto* v = param(fields, "CURRENCY_ID")) d.currency = text_of(*v);
    if (auto* v = param(fields, "LEAD_ID")) d.lead_id = id_of(*v);
    if (auto* v = param(fields, "CONTACT_ID")) d.contact_id = id_of(*v);
    if (auto* v = param(fields, "COMMENTS")) d.comments = text_of(*v);
    apply_uf(*this, d, "CRM_DEAL", fields);
}

Deal& Portal::add_deal(json fields, Id by, Instant now) {
    Deal d;
    d.id = next_id("deal");
    d.created_by = d.modify_by = d.assigned_by = by;
    d.date_create = d.date_modify = d.moved_time = now;
    if (auto* v = param(fields, "CATEGORY_ID")) d.category_id = id_of(*v);
    d.stage_id = first_stage(d.category_id);
    if (auto* v = param(fields, "STAGE_ID")) {
        std::string s = text_of(*v);
        if (find_status(stage_entity(d.category_id), s) || statuses.empty()) d.stage_id = s;
    }
    deals.push_back(std::move(d));
    Deal& ref = deals.back();
    apply_deal_fields(ref, fields);
    record_deal_stage(ref, 1, now);
    emit("ONCRMDEALADD", {{"FIELDS", {{"ID", id_str(ref.id)}}}});
    return ref;
}

Deal& Portal::update_deal(Id id, const json& fields, Id by, Instant now, bool allow_category_move) {
    Deal* d = find_deal(id);
    if (!d) throw not_found("Not found");
    std::string before_stage = d->stage_id;
    Id before_category = d->category_id;
    apply_deal_fields(*d, fields);
    const json* cat = param(fields, "CATEGORY_ID");
    bool moved_category = false;
    if (allow_category_move && cat && id_of(*cat) != d->category_id) {
        Id target = id_of(*cat);
        bool known = std::any_of(deal_categories.begin(), deal_categories.end(),
                                 [&](const Category& c) { return c.id == target; });
        if (!known) throw bad_argument("Category " + std::to_string(target) + " not found");
        d->category_id = target;
        d->stage_id = first_stage(target);
        moved_category = true;
    }
    if (auto* v = param(fields, "STAGE_ID")) {
        // crm.deal.update cannot leave the funnel: a stage of another funnel is ignored.
        std::string s = text_of(*v);
        if (find_status(stage_entity(d->category_id), s)) d->stage_id = s;
    }
    d->modify_by = by;
    d->date_modify = now;
    if (moved_category) {
        d->moved_time = now;
        record_deal_stage(*d, 5, now);
        // Moving between funnels fires onCrmDealMoveToCategory, not onCrmDealUpdate.
        emit("ONCRMDEALMOVETOCATEGORY", {{"FIELDS",
                                          {{"ID", id_str(d->id)},
                                           {"CATEGORY_ID", id_str(d->category_id)},
                                           {"STAGE_ID", d->stage_id}}}});
        (void)before_category;
        return *d;
    }
    if (d->stage_id != before_stage) {
        d->moved_time = now;
        record_deal_stage(*d, 2, now);
    }
    emit("ONCRMDEALUPDATE", {{"FIELDS", {{"ID", id_str(d->id)}}}});
    return *d;
}

// ---------------------------------------------------------------- methods

static json fields_param(const json& params) {
    const json* f = param(params, "fields");
    if (!f || !f->is_object()) throw bad_argument("Parameter 'fields' must be an object");
    return *f;
}

MethodResult Portal::lead_get(const json& p, const Caller&, Instant) {
    Lead* l = find_lead(param_id(p, "id"));
    if (!l) throw not_found("Not found");
    auto fields = lead_fields();
    return {render(*l, all_fields(fields), false)};
}

MethodResult Portal::lead_list(const json& p, const Caller&, Instant) {
    return legacy_list(leads, lead_fields(), p, utc_offset_minutes);
}

MethodResult Portal::lead_add(const json& p, const Caller& c, Instant now) {
    return {add_lead(fields_param(p), c.user_id, now).id};
}

MethodResult Portal::lead_update(const json& p, const Caller& c, Instant now) {
    update_lead(param_id(p, "id"), fields_param(p), c.user_id, now);
    return {true};
}

MethodResult Portal::deal_get(const json& p, const Caller&, Instant) {
    Deal* d = find_deal(param_id(p, "id"));
    if (!d) throw not_found("Not found");
    auto fields = deal_fields();
    return {render(*d, all_fields(fields), false)};
}

MethodResult Portal::deal_list(const json& p, const Caller&, Instant) {
    return legacy_list(deals, deal_fields(), p, utc_offset_minutes);
}

MethodResult Portal::deal_add(const json& p, const Caller& c, Instant now) {
    return {add_deal(fields_param(p), c.user_id, now).id};
}

MethodResult Portal::deal_update(const json& p, const Caller& c, Instant now) {
    update_deal(param_id(p, "id"), fields_param(p), c.user_id, now, false);
    return {true};
}

// crm.item.*: camelCase keys, real ints, result.item / result.items (bitrix24.md §6).
namespace {
int entity_type(const json& p) {
    const json* v = param(p, "entityTypeId");
    if (!v) throw bad_argument("entityTypeId is required");
    Id t = id_of(*v);
    if (t != 1 && t != 2) throw RestError(400, "NOT_FOUND", "Smart process not found");
    return static_cast<int>(t);
}
bool wants_fm(const json* select) {
    if (!select || !select->is_array() || select->empty()) return true;
    return std::any_of(select->begin(), select->end(),
                       [](const json& s) { return s == "*" || s == "fm"; });
}
}  // namespace

MethodResult Portal::item_get(const json& p, const Caller&, Instant) {
    int type = entity_type(p);
    Id id = param_id(p, "id");
    if (type == 1) {
        Lead* l = find_lead(id);
        if (!l) throw RestError(400, "NOT_FOUND", "Element not found");
        auto fields = lead_fields();
        auto sel = resolve_select(fields, json(), true);
        json item = render(*l, sel, true);
        item.erase("phone");
        item.erase("email");
        item["fm"] = fm_camel(l->fm);
        return {{{"item", item}}};
    }
    Deal* d = find_deal(id);
    if (!d) throw RestError(400, "NOT_FOUND", "Element not found");
    auto fields = deal_fields();
    return {{{"item", render(*d, resolve_select(fields, json(), true), true)}}};
}

MethodResult Portal::item_list(const json& p, const Caller&, Instant) {
    int type = entity_type(p);
    const json* filter = param(p, "filter");
    const json* order = param(p, "order");
    const json* select = param(p, "select");
    json items = json::array();
    MethodResult r;
    auto one = [&](auto& rows, const auto& fields, auto extra) {
        auto out = run_list(rows, fields, filter ? *filter : json(), order ? *order : json(),
                            parse_start(p), utc_offset_minutes);
        bool all = !select || !select->is_array() || select->empty();
        auto sel = resolve_select(fields, select ? *select : json(), all);
        for (const auto* row : out.page) {
            json item = render(*row, sel, true);
            item.erase("phone");
            item.erase("email");
            extra(*row, item);
            items.push_back(std::move(item));
        }
        r.total = out.total;
        r.next = out.next;
        r.cost = out.cost;
    };
    if (type == 1) {
        bool fm = wants_fm(select);
        one(leads, lead_fields(), [fm](const Lead& l, json& item) {
            if (fm) item["fm"] = fm_camel(l.fm);
        });
    } else {
        one(deals, deal_fields(), [](const Deal&, json&) {});
    }
    r.result = {{"items", items}};
    return r;
}

MethodResult Portal::item_update(const json& p, const Caller& c, Instant now) {
    int type = entity_type(p);
    Id id = param_id(p, "id");
    json fields = fields_param(p);
    if (type == 1) {
        json legacy = legacy_keys(fields, lead_fields());
        if (legacy.contains("fm")) legacy["fm"] = fields["fm"];
        update_lead(id, legacy, c.user_id, now);
    } else {
        update_deal(id, legacy_keys(fields, deal_fields()), c.user_id, now, true);
    }
    json q = {{"entityTypeId", type}, {"id", id}};
    return item_get(q, c, now);
}

MethodResult Portal::status_list(const json& p, const Caller&, Instant) {
    std::vector<Field<Status>> fields = {
        {"ID", "id", Kind::Int, [](const Status& s) -> json { return id_str(s.id); }},
        {"ENTITY_ID", "entityId", Kind::Str, [](const Status& s) -> json { return s.entity_id; }},
        {"STATUS_ID", "statusId", Kind::Str, [](const Status& s) -> json { return s.status_id; }},
        {"NAME", "name", Kind::Str, [](const Status& s) -> json { return s.name; }},
        {"NAME_INIT", "nameInit", Kind::Str, [](const Status& s) -> json { return s.name; }},
        {"SORT", "sort", Kind::Int, [](const Status& s) -> json { return id_str(s.sort); }},
        {"SYSTEM", "system", Kind::Flag, [](const Status&) -> json { return "N"; }},
        {"CATEGORY_ID", "categoryId", Kind::Int,
         [](const Status& s) -> json {
             return s.entity_id.rfind("DEAL_STAGE", 0) == 0 ? json(id_str(s.category_id))
                                                            : json(nullptr);
         }},
        {"COLOR", "color", Kind::Str, [](const Status& s) -> json { return s.color; }},
        {"SEMANTICS", "semantics", Kind::Str,
         [](const Status& s) -> json {
             return s.semantics == 'P' ? json(nullptr) : json(std::string(1, s.semantics));
         }},
        {"EXTRA", "extra", Kind::Str,
         [](const Status& s) -> json {
             return {{"SEMANTICS", semantic_word(s.semantics)}, {"COLOR", s.color}};
         }},
    };
    const json* filter = param(p, "filter");
    json order = param(p, "order") ? *param(p, "order") : json{{"SORT", "ASC"}};
    (void)order;
    std::vector<Status> sorted = statuses;
    auto sel = all_fields(fields);
    json rows = json::array();
    for (const auto& s : sorted) {
        bool ok = true;
        for (auto& c : parse_filter(filter ? *filter : json()))
            if (const auto* f = find_field(fields, c.field))
                ok = ok && matches(f->kind, f->get(s), c, utc_offset_minutes);
        if (ok) rows.push_back(render(s, sel, false));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
        return std::stoi(a["SORT"].get<std::string>()) < std::stoi(b["SORT"].get<std::string>());
    });
    return {rows, static_cast<std::int64_t>(rows.size()), std::nullopt, kBaseCost};
}

MethodResult Portal::category_list(const json& p, const Caller&, Instant) {
    const json* t = param(p, "entityTypeId");
    if (!t || id_of(*t) != 2) throw RestError(400, "NOT_FOUND", "Categories are not supported");
    json cats = json::array();
    auto sorted = deal_categories;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto& a, auto& b) { return a.sort < b.sort; });
    for (const auto& c : sorted)
        cats.push_back({{"id", c.id},
                        {"name", c.name},
                        {"sort", c.sort},
                        {"entityTypeId", 2},
                        {"isDefault", yn(c.is_default)}});
    return {{{"categories", cats}}, static_cast<std::int64_t>(cats.size())};
}

MethodResult Portal::stagehistory_list(const json& p, const Caller&, Instant) {
    const json* t = param(p, "entityTypeId");
    Id type = t ? id_of(*t) : 0;
    if (type != 1 && type != 2) throw bad_argument("entityTypeId must be 1 or 2");
    bool lead = type == 1;
    std::vector<Field<StageHistory>> fields = {
        {"ID", "id", Kind::Int, [](const StageHistory& h) -> json { return h.id; }},
        {"TYPE_ID", "typeId", Kind::Int, [](const StageHistory& h) -> json { return h.type_id; }},
        {"OWNER_ID", "ownerId", Kind::Int,
         [](const StageHistory& h) -> json { return h.owner_id; }},
        {"CREATED_TIME", "createdTime", Kind::Date,
         [this](const StageHistory& h) -> json { return iso(h.created); }},
    };
    if (lead) {
        fields.push_back({"STATUS_ID", "statusId", Kind::Str,
                          [](const StageHistory& h) -> json { return h.stage_id; }});
        fields.push_back(
            {"STATUS_SEMANTIC_ID", "statusSemanticId", Kind::Str,
             [](const StageHistory& h) -> json { return std::string(1, h.semantic); }});
    } else {
        fields.push_back({"CATEGORY_ID", "categoryId", Kind::Int,
                          [](const StageHistory& h) -> json { return h.category_id; }});
        fields.push_back({"STAGE_ID", "stageId", Kind::Str,
                          [](const StageHistory& h) -> json { return h.stage_id; }});
        fields.push_back(
            {"STAGE_SEMANTIC_ID", "stageSemanticId", Kind::Str,
             [](const StageHistory& h) -> json { return std::string(1, h.semantic); }});
    }
    auto r = legacy_list(lead ? lead_history : deal_history, fields, p, utc_offset_minutes, true);
    r.result = {{"items", std::move(r.result)}};
    return r;
}

namespace {
// Phone numbers are compared as digits, with the Russian trunk prefix 8 read as +7.
std::string phone_key(const std::string& s) {
    std::string d;
    for (char c : s)
        if (std::isdigit(static_cast<unsigned char>(c))) d += c;
    if (d.size() == 11 && d[0] == '8') d[0] = '7';
    return d;
}
}  // namespace

MethodResult Portal::duplicate_findbycomm(const json& p, const Caller&, Instant) {
    const json* type = param(p, "type");
    const json* values = param(p, "values");
    if (!type || !values || !values->is_array())
        throw bad_argument("Parameters 'type' and 'values' are required");
    if (values->size() > 20) throw bad_argument("Too many values (20 at most)");
    std::string t = upper(text_of(*type));
    char want = t == "EMAIL" ? 'E' : 'P';
    std::vector<std::string> keys;
    for (const auto& v : *values) {
        std::string s = text_of(v);
        keys.push_back(want == 'P' ? phone_key(s) : upper(s));
    }
    json ids = json::array();
    double scanned = 0;
    for (const auto& l : leads) {
        ++scanned;
        for (const auto& m : l.fm) {
            if (m.type != want) continue;
            std::string k = want == 'P' ? phone_key(m.value) : upper(m.value);
            if (!k.empty() && std::find(keys.begin(), keys.end(), k) != keys.end()) {
                ids.push_back(l.id);
                break;
            }
        }
        if (ids.size() >= 20) break;
    }
    MethodResult r;
    // Nothing found is an empty array, not an object (bitrix24.md §6 "Duplicates").
    r.result = ids.empty() ? json::array() : json{{"LEAD", ids}};
    r.cost = kBaseCost + scanned * kRowCost / 10;  // an indexed lookup in the real portal
    return r;
}

}  // namespace reglament::emulator
