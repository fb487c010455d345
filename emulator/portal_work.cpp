// Activities, timeline comments, tasks and task comments.
#include <algorithm>

#include "emulator/listing.hpp"
#include "emulator/portal.hpp"
#include "emulator/rest_error.hpp"
#include "emulator/values.hpp"

namespace reglament::emulator {

namespace {

std::string owner_type_name(int t) {
    switch (t) {
        case 1:
            return "lead";
        case 2:
            return "deal";
        case 3:
            return "contact";
        case 4:
            return "company";
    }
    return "dynamic_" + std::to_string(t);
}
}  // namespace

// ---------------------------------------------------------------- activities

Activity& Portal::add_activity(const json& f, Id by, Instant now) {
    Activity a;
    a.id = activities.empty() ? 1 : activities.back().id + 1;
    a.created = a.last_updated = now;
    a.author_id = by;
    a.responsible_id = by;
    auto opt = [&](const char* k) { return param(f, k); };
    if (auto* v = opt("OWNER_TYPE_ID")) a.owner_type_id = static_cast<int>(id_of(*v));
    if (auto* v = opt("OWNER_ID")) a.owner_id = id_of(*v);
    if (auto* v = opt("TYPE_ID")) a.type_id = static_cast<int>(id_of(*v));
    if (auto* v = opt("PROVIDER_ID")) a.provider_id = text_of(*v);
    if (auto* v = opt("PROVIDER_TYPE_ID")) a.provider_type_id = text_of(*v);
    if (auto* v = opt("SUBJECT")) a.subject = text_of(*v);
    if (auto* v = opt("DESCRIPTION")) a.description = text_of(*v);
    if (auto* v = opt("RESPONSIBLE_ID")) a.responsible_id = id_of(*v);
    if (auto* v = opt("DIRECTION")) a.direction = static_cast<int>(id_of(*v));
    if (auto* v = opt("COMPLETED")) a.completed = flag_of(*v);
    if (auto* v = opt("PRIORITY")) a.priority = static_cast<int>(id_of(*v));
    a.start_time = a.end_time = now;
    if (auto* v = opt("START_TIME"))
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a.start_time = *t;
    if (auto* v = opt("END_TIME"))
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a.end_time = *t;
    // DEADLINE is derived: from START_TIME for calls and meetings, from END_TIME otherwise.
    a.deadline = (a.type_id == 1 || a.type_id == 2) ? a.start_time : a.end_time;
    if (auto* v = opt("DEADLINE"))  // our own control API may set it (a to-do's deadline)
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a.deadline = *t;
    a.status = a.completed ? 2 : 1;
    if (auto* v = opt("COMMUNICATIONS"); v && v->is_array())
        for (const auto& c : *v)
            a.communications.push_back({c.contains("TYPE") ? text_of(c["TYPE"]) : "PHONE",
                                        c.contains("VALUE") ? text_of(c["VALUE"]) : ""});
    activities.push_back(std::move(a));
    emit("ONCRMACTIVITYADD", {{"FIELDS", {{"ID", id_str(activities.back().id)}}}});
    return activities.back();
}

Activity& Portal::update_activity(Id id, const json& f, Instant now) {
    Activity* a = find_activity(id);
    if (!a) throw not_found("Not found");
    if (auto* v = param(f, "SUBJECT")) a->subject = text_of(*v);
    if (auto* v = param(f, "DESCRIPTION")) a->description = text_of(*v);
    if (auto* v = param(f, "RESPONSIBLE_ID")) a->responsible_id = id_of(*v);
    if (auto* v = param(f, "COMPLETED")) {
        a->completed = flag_of(*v);
        a->status = a->completed ? 2 : 1;
    }
    if (auto* v = param(f, "START_TIME"))
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a->start_time = *t;
    if (auto* v = param(f, "END_TIME"))
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a->end_time = *t;
    if (auto* v = param(f, "DEADLINE"))
        if (auto t = parse_instant(text_of(*v), utc_offset_minutes)) a->deadline = *t;
    a->last_updated = now;
    emit("ONCRMACTIVITYUPDATE", {{"FIELDS", {{"ID", id_str(a->id)}}}});
    return *a;
}

static std::vector<Field<Activity>> activity_fields(const Portal& p) {
    auto iso = [&p](Instant t) -> json { return p.iso(t); };
    return {
        {"ID", "id", Kind::Int, [](const Activity& a) -> json { return id_str(a.id); }},
        {"OWNER_TYPE_ID", "ownerTypeId", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.owner_type_id); }},
        {"OWNER_ID", "ownerId", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.owner_id); }},
        {"TYPE_ID", "typeId", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.type_id); }},
        {"PROVIDER_ID", "providerId", Kind::Str,
         [](const Activity& a) -> json { return a.provider_id; }},
        {"PROVIDER_TYPE_ID", "providerTypeId", Kind::Str,
         [](const Activity& a) -> json { return a.provider_type_id; }},
        {"SUBJECT", "subject", Kind::Str, [](const Activity& a) -> json { return a.subject; }},
        {"DESCRIPTION", "description", Kind::Str,
         [](const Activity& a) -> json { return a.description; }},
        {"RESPONSIBLE_ID", "responsibleId", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.responsible_id); }},
        {"AUTHOR_ID", "authorId", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.author_id); }},
        {"START_TIME", "startTime", Kind::Date,
         [iso](const Activity& a) { return iso(a.start_time); }},
        {"END_TIME", "endTime", Kind::Date, [iso](const Activity& a) { return iso(a.end_time); }},
        {"DEADLINE", "deadline", Kind::Date, [iso](const Activity& a) { return iso(a.deadline); }},
        {"CREATED", "created", Kind::Date, [iso](const Activity& a) { return iso(a.created); }},
        {"LAST_UPDATED", "lastUpdated", Kind::Date,
         [iso](const Activity& a) { return iso(a.last_updated); }},
        {"DIRECTION", "direction", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.direction); }},
        {"COMPLETED", "completed", Kind::Flag,
         [](const Activity& a) -> json { return yn(a.completed); }},
        {"STATUS", "status", Kind::Int, [](const Activity& a) -> json { return id_str(a.status); }},
        {"PRIORITY", "priority", Kind::Int,
         [](const Activity& a) -> json { return id_str(a.priority); }},
        {"COMMUNICATIONS", "communications", Kind::List,
         [](const Activity& a) -> json {
             json arr = json::array();
             for (const auto& [t, v] : a.communications)
                 arr.push_back({{"TYPE", t}, {"VALUE", v}});
             return arr;
         },
         false},
    };
}

MethodResult Portal::activity_list(const json& p, const Caller&, Instant) {
    auto fields = activity_fields(*this);
    json filter = param(p, "filter") ? *param(p, "filter") : json::object();
    // BINDINGS [{OWNER_TYPE_ID, OWNER_ID}] finds activities bound to any of the entities.
    json bindings;
    if (filter.is_object() && filter.contains("BINDINGS")) {
        bindings = filter["BINDINGS"];
        filter.erase("BINDINGS");
    }
    std::vector<Activity> subset;
    const std::vector<Activity>* rows = &activities;
    if (bindings.is_array()) {
        for (const auto& a : activities)
            for (const auto& b : bindings)
                if (id_of(b.value("OWNER_TYPE_ID", json(0))) == a.owner_type_id &&
                    id_of(b.value("OWNER_ID", json(0))) == a.owner_id) {
                    subset.push_back(a);
                    break;
                }
        rows = &subset;
    }
    const json* order = param(p, "order");
    return legacy_list(*rows, fields, p, filter, order ? *order : json(), utc_offset_minutes);
}

MethodResult Portal::activity_add(const json& p, const Caller& c, Instant now) {
    const json* f = param(p, "fields");
    if (!f || !f->is_object()) throw bad_argument("Parameter 'fields' must be an object");
    for (const char* req : {"OWNER_TYPE_ID", "OWNER_ID", "TYPE_ID"})
        if (!param(*f, req)) throw bad_argument(std::string("Required field ") + req + " is empty");
    return {add_activity(*f, c.user_id, now).id};
}

MethodResult Portal::activity_update(const json& p, const Caller&, Instant now) {
    const json* f = param(p, "fields");
    if (!f || !f->is_object()) throw bad_argument("Parameter 'fields' must be an object");
    update_activity(param_id(p, "id"), *f, now);
    return {true};
}

MethodResult Portal::activity_todo_add(const json& p, const Caller& c, Instant now) {
    for (const char* req : {"ownerTypeId", "ownerId", "deadline"})
        if (!param(p, req)) throw bad_argument(std::string("Parameter ") + req + " is required");
    json f = {{"OWNER_TYPE_ID", *param(p, "ownerTypeId")},
              {"OWNER_ID", *param(p, "ownerId")},
              {"TYPE_ID", 6},
              {"PROVIDER_ID", "CRM_TODO"},
              {"PROVIDER_TYPE_ID", "TODO"},
              {"SUBJECT", param(p, "title") ? *param(p, "title") : json("")},
              {"DESCRIPTION", param(p, "description") ? *param(p, "description") : json("")},
              {"RESPONSIBLE_ID",
               param(p, "responsibleId") ? *param(p, "responsibleId") : json(c.user_id)},
              {"END_TIME", *param(p, "deadline")},
              {"DEADLINE", *param(p, "deadline")}};
    return {{{"id", add_activity(f, c.user_id, now).id}}};
}

// ---------------------------------------------------------------- timeline

TimelineComment& Portal::add_timeline_comment(const std::string& entity_type, Id entity_id,
                                              const std::string& text, Id by, Instant now) {
    TimelineComment t;
    t.id = timeline_comments.empty() ? 1 : timeline_comments.back().id + 1;
    t.entity_type = entity_type;
    t.entity_id = entity_id;
    t.author_id = by;
    t.created = now;
    t.comment = text;
    timeline_comments.push_back(std::move(t));
    // onCrmTimelineCommentAdd carries data.ID with no FIELDS wrapper (bitrix24.md §5).
    emit("ONCRMTIMELINECOMMENTADD", {{"ID", id_str(timeline_comments.back().id)}});
    return timeline_comments.back();
}

MethodResult Portal::timeline_comment_add(const json& p, const Caller& c, Instant now) {
    // Since crm 23.100.0 only the lowercase key `fields` is accepted.
    auto it = p.find("fields");
    if (it == p.end() || !it->is_object())
        throw bad_argument("Parameter 'fields' must be an object");
    const json& f = *it;
    for (const char* req : {"ENTITY_ID", "ENTITY_TYPE", "COMMENT"})
        if (!param(f, req) || text_of(*param(f, req)).empty())
            throw bad_argument(std::string("Required field ") + req + " is empty");
    std::string type = text_of(*param(f, "ENTITY_TYPE"));
    for (auto& ch : type)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return {add_timeline_comment(type, id_of(*param(f, "ENTITY_ID")), text_of(*param(f, "COMMENT")),
                                 c.user_id, now)
                .id};
}

MethodResult Portal::timeline_comment_list(const json& p, const Caller&, Instant) {
    std::vector<Field<TimelineComment>> fields = {
        {"ID", "id", Kind::Int, [](const TimelineComment& t) -> json { return id_str(t.id); }},
        {"ENTITY_ID", "entityId", Kind::Int,
         [](const TimelineComment& t) -> json { return id_str(t.entity_id); }},
        {"ENTITY_TYPE", "entityType", Kind::Str,
         [](const TimelineComment& t) -> json { return t.entity_type; }},
        {"CREATED", "created", Kind::Date,
         [this](const TimelineComment& t) -> json { return iso(t.created); }},
        {"COMMENT", "comment", Kind::Str,
         [](const TimelineComment& t) -> json { return t.comment; }},
        {"AUTHOR_ID", "authorId", Kind::Int,
         [](const TimelineComment& t) -> json { return id_str(t.author_id); }},
        {"FILES", "files", Kind::List, [](const TimelineComment&) -> json { return json::array(); },
         false},
    };
    return legacy_list(timeline_comments, fields, p, utc_offset_minutes);
}

// The one comment, legacy UPPER_CASE like the list (D crm-timeline-comment-get.md).
MethodResult Portal::timeline_comment_get(const json& p, const Caller&, Instant) {
    Id id = param_id(p, "id");
    for (const auto& t : timeline_comments)
        if (t.id == id)
            return {json{{"ID", id_str(t.id)},
                         {"CREATED", iso(t.created)},
                         {"ENTITY_ID", id_str(t.entity_id)},
                         {"ENTITY_TYPE", t.entity_type},
                         {"AUTHOR_ID", id_str(t.author_id)},
                         {"COMMENT", t.comment},
                         {"FILES", json::array()}}};
    throw RestError(400, "NOT_FOUND", "Not found");
}

MethodResult Portal::timeline_item_pin(const json& p, const Caller&, Instant) {
    Id id = param_id(p, "id");
    Id owner_type = param_id(p, "ownerTypeId");
    Id owner = param_id(p, "ownerId");
    for (auto& t : timeline_comments)
        if (t.id == id && t.entity_id == owner &&
            t.entity_type == owner_type_name(int(owner_type))) {
            t.pinned = true;
            return {nullptr};
        }
    throw RestError(400, "NOT_FOUND", "Timeline item not found");
}

// ---------------------------------------------------------------- tasks

namespace {
void apply_task_fields(Task& t, const json& f, int offset) {
    if (auto* v = param(f, "TITLE")) t.title = text_of(*v);
    if (auto* v = param(f, "DESCRIPTION")) t.description = text_of(*v);
    if (auto* v = param(f, "XML_ID")) t.xml_id = text_of(*v);
    if (auto* v = param(f, "RESPONSIBLE_ID")) t.responsible_id = id_of(*v);
    if (auto* v = param(f, "CREATED_BY")) t.created_by = id_of(*v);
    if (auto* v = param(f, "PRIORITY")) t.priority = static_cast<int>(id_of(*v));
    if (auto* v = param(f, "STATUS")) t.status = static_cast<int>(id_of(*v));
    if (auto* v = param(f, "DEADLINE")) {
        if (v->is_null() || text_of(*v).empty())
            t.deadline.reset();
        else if (auto d = parse_instant(text_of(*v), offset))
            t.deadline = *d;
        else
            throw bad_argument("DEADLINE is not a date");
    }
    if (auto* v = param(f, "UF_CRM_TASK")) {
        t.uf_crm_task.clear();
        if (v->is_array())
            for (const auto& x : *v)
                t.uf_crm_task.push_back(text_of(x));
        else if (!text_of(*v).empty())
            t.uf_crm_task.push_back(text_of(*v));
    }
}

json task_event(Id id, bool add) {
    // Task events carry FIELDS_BEFORE/FIELDS_AFTER; on add FIELDS_BEFORE is "undefined".
    json before = add ? json("undefined") : json{{"ID", id_str(id)}};
    return {{"FIELDS_BEFORE", before},
            {"FIELDS_AFTER", {{"ID", id_str(id)}}},
            {"IS_ACCESSIBLE_BEFORE", add ? "undefined" : "N"},
            {"IS_ACCESSIBLE_AFTER", "N"}};
}
}  // namespace

Task& Portal::add_task(const json& f, Id by, Instant now) {
    Task t;
    t.id = tasks.empty() ? 1 : tasks.back().id + 1;
    t.created_by = t.changed_by = by;
    t.created_date = t.changed_date = now;
    apply_task_fields(t, f, utc_offset_minutes);
    if (t.title.empty()) throw bad_argument("TITLE is required");
    if (t.responsible_id == 0) throw bad_argument("RESPONSIBLE_ID is required");
    tasks.push_back(std::move(t));
    emit("ONTASKADD", task_event(tasks.back().id, true));
    return tasks.back();
}

Task& Portal::update_task(Id id, const json& f, Id by, Instant now) {
    Task* t = find_task(id);
    if (!t) throw RestError(400, "ERROR_CORE", "Task not found or not accessible");
    apply_task_fields(*t, f, utc_offset_minutes);
    t->changed_by = by;
    t->changed_date = now;
    if (t->status == 5 && !t->closed_date) t->closed_date = now;
    emit("ONTASKUPDATE", task_event(id, false));
    return *t;
}

Task& Portal::complete_task(Id id, Id by, Instant now) {
    Task* t = find_task(id);
    if (!t) throw RestError(400, "ERROR_CORE", "Task not found or not accessible");
    t->status = 5;
    t->closed_date = now;
    t->changed_by = by;
    t->changed_date = now;
    emit("ONTASKUPDATE", task_event(id, false));
    return *t;
}

TaskComment& Portal::add_task_comment(Id task_id, Id author, const std::string& text, Instant now) {
    Task* t = find_task(task_id);
    if (!t) throw RestError(400, "ERROR_CORE", "Task not found or not accessible");
    if (text.empty()) throw bad_argument("POST_MESSAGE is required");
    TaskComment c{task_comments.empty() ? 1 : task_comments.back().id + 1, task_id, author, now,
                  text};
    task_comments.push_back(c);
    t->comment_ids.push_back(c.id);
    emit("ONTASKCOMMENTADD",
         {{"FIELDS_BEFORE", "undefined"},
          {"FIELDS_AFTER", {{"ID", id_str(c.id)}, {"TASK_ID", id_str(task_id)}}},
          {"IS_ACCESSIBLE_BEFORE", "undefined"},
          {"IS_ACCESSIBLE_AFTER", "undefined"}});
    return task_comments.back();
}

static std::vector<Field<Task>> task_fields(const Portal& p) {
    auto iso = [&p](const std::optional<Instant>& t) -> json {
        return t ? json(p.iso(*t)) : json(nullptr);
    };
    return {
        {"ID", "id", Kind::Int, [](const Task& t) -> json { return id_str(t.id); }},
        {"TITLE", "title", Kind::Str, [](const Task& t) -> json { return t.title; }},
        {"DESCRIPTION", "description", Kind::Str,
         [](const Task& t) -> json { return t.description; }},
        // Sent when selected: the documents list it among the fields, not in a default set.
        {"XML_ID", "xmlId", Kind::Str,
         [](const Task& t) -> json { return t.xml_id.empty() ? json(nullptr) : json(t.xml_id); },
         false},
        {"RESPONSIBLE_ID", "responsibleId", Kind::Int,
         [](const Task& t) -> json { return id_str(t.responsible_id); }},
        {"CREATED_BY", "createdBy", Kind::Int,
         [](const Task& t) -> json { return id_str(t.created_by); }},
        {"CHANGED_BY", "changedBy", Kind::Int,
         [](const Task& t) -> json { return id_str(t.changed_by); }},
        {"DEADLINE", "deadline", Kind::Date, [iso](const Task& t) { return iso(t.deadline); }},
        {"STATUS", "status", Kind::Int, [](const Task& t) -> json { return id_str(t.status); }},
        {"REAL_STATUS", "realStatus", Kind::Int,
         [](const Task& t) -> json { return id_str(t.status); }, false},
        {"PRIORITY", "priority", Kind::Int,
         [](const Task& t) -> json { return id_str(t.priority); }},
        {"CREATED_DATE", "createdDate", Kind::Date,
         [iso](const Task& t) { return iso(t.created_date); }},
        {"CHANGED_DATE", "changedDate", Kind::Date,
         [iso](const Task& t) { return iso(t.changed_date); }},
        {"CLOSED_DATE", "closedDate", Kind::Date,
         [iso](const Task& t) { return iso(t.closed_date); }},
        {"COMMENTS_COUNT", "commentsCount", Kind::Int,
         [](const Task& t) -> json { return id_str(Id(t.comment_ids.size())); }},
        // UF_CRM_TASK is returned only when selected (bitrix24.md §6 "Tasks").
        {"UF_CRM_TASK", "ufCrmTask", Kind::List,
         [](const Task& t) -> json { return t.uf_crm_task; }, false},
    };
}

// tasks output is camelCase with string values, like the real one ("id": "12").
static json render_task(const Task& t, const std::vector<const Field<Task>*>& sel) {
    json o = json::object();
    for (const auto* f : sel)
        o[f->camel] = f->get(t);
    return o;
}

MethodResult Portal::task_add(const json& p, const Caller& c, Instant now) {
    const json* f = param(p, "fields");
    if (!f || !f->is_object()) throw bad_argument("Parameter 'fields' must be an object");
    Task& t = add_task(*f, c.user_id, now);
    auto fields = task_fields(*this);
    return {{{"task",
              render_task(t, resolve_select(fields, json::array({"*", "UF_CRM_TASK"}), false))}}};
}

MethodResult Portal::task_update(const json& p, const Caller& c, Instant now) {
    const json* f = param(p, "fields");
    if (!f || !f->is_object()) throw bad_argument("Parameter 'fields' must be an object");
    Task& t = update_task(param_id(p, "taskId"), *f, c.user_id, now);
    auto fields = task_fields(*this);
    return {{{"task",
              render_task(t, resolve_select(fields, json::array({"*", "UF_CRM_TASK"}), false))}}};
}

MethodResult Portal::task_get(const json& p, const Caller&, Instant) {
    Task* t = find_task(param_id(p, "taskId"));
    if (!t) throw RestError(400, "ERROR_CORE", "Task not found or not accessible");
    auto fields = task_fields(*this);
    const json* select = param(p, "select");
    return {{{"task", render_task(*t, resolve_select(fields, select ? *select : json(), false))}}};
}

MethodResult Portal::task_list(const json& p, const Caller&, Instant) {
    auto fields = task_fields(*this);
    json filter = param(p, "filter") ? *param(p, "filter") : json::object();
    // tasks.task.list knows only ! < <= > >= (bitrix24.md §6); other prefixes are field names.
    if (filter.is_object())
        for (auto it = filter.begin(); it != filter.end(); ++it) {
            auto c = parse_condition(it.key(), it.value());
            if (c.op == "@" || c.op == "!@" || c.op == "%" || c.op == "!%" || c.op == "=%" ||
                c.op == "!=%" || c.op == "><" || c.op == "!><")
                throw bad_argument("Filter operator not supported by tasks.task.list: " + it.key());
        }
    const json* order = param(p, "order");
    auto out = run_list(tasks, fields, filter, order ? *order : json(), parse_start(p),
                        utc_offset_minutes);
    const json* select = param(p, "select");
    auto sel = resolve_select(fields, select ? *select : json(), false);
    json res = json::array();
    for (const auto* t : out.page)
        res.push_back(render_task(*t, sel));
    return {{{"tasks", res}}, out.total, out.next, out.cost};
}

MethodResult Portal::task_complete(const json& p, const Caller& c, Instant now) {
    Task& t = complete_task(param_id(p, "taskId"), c.user_id, now);
    auto fields = task_fields(*this);
    return {{{"task", render_task(t, resolve_select(fields, json(), false))}}};
}

MethodResult Portal::task_comment_add(const json& p, const Caller& c, Instant now) {
    Id task = param_id(p, "TASKID");
    const json* f = param(p, "FIELDS");
    if (!f || !f->is_object()) throw bad_argument("FIELDS is required");
    Id author = param(*f, "AUTHOR_ID") ? id_of(*param(*f, "AUTHOR_ID")) : c.user_id;
    std::string text = param(*f, "POST_MESSAGE") ? text_of(*param(*f, "POST_MESSAGE")) : "";
    return {add_task_comment(task, author, text, now).id};
}

MethodResult Portal::task_comment_list(const json& p, const Caller&, Instant) {
    Id task = param_id(p, "TASKID");
    if (!find_task(task)) throw RestError(400, "ERROR_CORE", "Task not found or not accessible");
    json res = json::array();
    for (const auto& c : task_comments)
        if (c.task_id == task)
            res.push_back({{"ID", id_str(c.id)},
                           {"AUTHOR_ID", id_str(c.author_id)},
                           {"POST_DATE", iso(c.post_date)},
                           {"POST_MESSAGE", c.message}});
    return {res};
}

}  // namespace reglament::emulator
