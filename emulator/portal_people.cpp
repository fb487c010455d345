// Users, absences, working-day status, notifications and call statistics.
#include <algorithm>

#include "emulator/listing.hpp"
#include "emulator/portal.hpp"
#include "emulator/rest_error.hpp"
#include "emulator/values.hpp"

namespace reglament::emulator {

MethodResult Portal::user_get(const json& p, const Caller&, Instant) {
    std::vector<Field<User>> fields = {
        {"ID", "id", Kind::Int, [](const User& u) -> json { return id_str(u.id); }},
        // ACTIVE is a JSON boolean and UF_DEPARTMENT an int array (bitrix24.md §6 "Users").
        {"ACTIVE", "active", Kind::Flag, [](const User& u) -> json { return u.active; }},
        {"NAME", "name", Kind::Str, [](const User& u) -> json { return u.name; }},
        {"LAST_NAME", "lastName", Kind::Str, [](const User& u) -> json { return u.last_name; }},
        {"EMAIL", "email", Kind::Str, [](const User& u) -> json { return u.email; }},
        {"WORK_POSITION", "workPosition", Kind::Str,
         [](const User& u) -> json { return u.position; }},
        {"UF_DEPARTMENT", "ufDepartment", Kind::List,
         [](const User& u) -> json { return u.departments; }},
        {"USER_TYPE", "userType", Kind::Str, [](const User&) -> json { return "employee"; }},
        {"TIMESTAMP_X", "timestampX", Kind::Str,
         [](const User&) -> json { return json::object(); }},
    };
    json filter = json::object();
    if (const json* f = param(p, "FILTER"); f && f->is_object()) filter = *f;
    // Top-level keys other than the known parameters are filters too (user.get?ID=5).
    for (auto it = p.begin(); it != p.end(); ++it) {
        auto k = upper(it.key());
        if (k != "FILTER" && k != "SORT" && k != "ORDER" && k != "START" && k != "ADMIN_MODE" &&
            k != "SELECT" && k != "AUTH")
            filter[it.key()] = it.value();
    }
    std::vector<User> sorted = users;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.id < b.id; });
    json order;
    if (const json* s = param(p, "sort"))
        order[text_of(*s)] = param(p, "order") ? text_of(*param(p, "order")) : "ASC";
    // user.get returns every field; its select is not honoured here.
    json q = {{"start", param(p, "start") ? *param(p, "start") : json(0)}};
    return legacy_list(sorted, fields, q, filter, order, utc_offset_minutes, true);
}

MethodResult Portal::im_user_get(const json& p, const Caller& c, Instant now) {
    Id id = param(p, "ID") ? param_id(p, "ID") : c.user_id;
    User* u = find_user(id);
    if (!u) throw RestError(400, "USER_NOT_FOUND", "User not found");
    // `absent` is the end of the current absence, or false (bitrix24.md §6 "Users and absence").
    json absent = false;
    for (const auto& a : u->absences)
        if (a.from <= now && now < a.to) absent = iso(a.to);
    return {{{"id", u->id},
             {"name", u->name + (u->last_name.empty() ? "" : " " + u->last_name)},
             {"first_name", u->name},
             {"last_name", u->last_name},
             {"work_position", u->position},
             {"active", u->active},
             {"departments", u->departments},
             {"absent", absent},
             {"bot", false},
             {"type", "user"}}};
}

MethodResult Portal::timeman_status(const json& p, const Caller& c, Instant now) {
    Id id = param(p, "USER_ID") ? param_id(p, "USER_ID") : c.user_id;
    User* u = find_user(id);
    if (!u) throw RestError(400, "USER_NOT_FOUND", "User not found");
    json r = {{"STATUS", u->timeman_status},
              {"ACTIVE", u->timeman_status != "CLOSED"},
              {"TZ_OFFSET", utc_offset_minutes * 60},
              {"TIME_LEAKS", "00:00:00"}};
    auto day =
        std::chrono::floor<std::chrono::days>(now + std::chrono::minutes(utc_offset_minutes));
    Instant start = Instant(day) + std::chrono::hours(9) - std::chrono::minutes(utc_offset_minutes);
    r["TIME_START"] = iso(start);
    r["TIME_FINISH"] =
        u->timeman_status == "CLOSED" ? json(iso(start + std::chrono::hours(9))) : json(nullptr);
    r["DURATION"] = "00:00:00";
    return {r};
}

MethodResult Portal::notify(const std::string& kind, const json& p, const Caller& c, Instant now) {
    const json* user = param(p, "USER_ID");
    if (!user || text_of(*user).empty())
        throw RestError(400, "USER_ID_EMPTY", "User ID can't be empty");
    const json* msg = param(p, "MESSAGE");
    if (!msg || text_of(*msg).empty())
        throw RestError(400, "MESSAGE_EMPTY", "Message can't be empty");
    if (const json* a = param(p, "ATTACH"); a && a->dump().size() > 60000)
        throw RestError(400, "ATTACH_OVERSIZE",
                        "You have exceeded the maximum allowable size of attach");
    Notification n;
    n.id = notifications.empty() ? 1 : notifications.back().id + 1;
    n.kind = kind;
    n.user_id = param_id(p, "USER_ID");
    n.from_user_id = c.user_id;
    n.message = text_of(*msg);
    n.tag = param(p, "TAG") ? text_of(*param(p, "TAG")) : "";
    n.sub_tag = param(p, "SUB_TAG") ? text_of(*param(p, "SUB_TAG")) : "";
    n.created = now;
    // A TAG replaces earlier notifications with the same tag.
    if (!n.tag.empty())
        notifications.erase(std::remove_if(notifications.begin(), notifications.end(),
                                           [&](const Notification& x) {
                                               return x.tag == n.tag && x.user_id == n.user_id;
                                           }),
                            notifications.end());
    notifications.push_back(n);
    return {n.id};
}

MethodResult Portal::notify_system(const json& p, const Caller& c, Instant now) {
    return notify("system", p, c, now);
}
MethodResult Portal::notify_personal(const json& p, const Caller& c, Instant now) {
    return notify("personal", p, c, now);
}

static std::vector<Field<Call>> call_fields(const Portal& p) {
    return {
        {"ID", "id", Kind::Int, [](const Call& c) -> json { return id_str(c.id); }},
        {"CALL_ID", "callId", Kind::Str, [](const Call& c) -> json { return c.call_id; }},
        {"PORTAL_USER_ID", "portalUserId", Kind::Int,
         [](const Call& c) -> json { return id_str(c.portal_user_id); }},
        {"PORTAL_NUMBER", "portalNumber", Kind::Str,
         [](const Call& c) -> json { return c.portal_number; }},
        {"PHONE_NUMBER", "phoneNumber", Kind::Str,
         [](const Call& c) -> json { return c.phone_number; }},
        {"CALL_TYPE", "callType", Kind::Int,
         [](const Call& c) -> json { return id_str(c.call_type); }},
        {"CALL_DURATION", "callDuration", Kind::Int,
         [](const Call& c) -> json { return id_str(c.duration); }},
        {"CALL_START_DATE", "callStartDate", Kind::Date,
         [&p](const Call& c) -> json { return p.iso(c.start); }},
        {"CALL_FAILED_CODE", "callFailedCode", Kind::Str,
         [](const Call& c) -> json { return c.failed_code; }},
        {"CALL_FAILED_REASON", "callFailedReason", Kind::Str,
         [](const Call& c) -> json { return c.failed_reason; }},
        {"CALL_CATEGORY", "callCategory", Kind::Str,
         [](const Call&) -> json { return "external"; }},
        {"CALL_RECORD_URL", "callRecordUrl", Kind::Str, [](const Call&) -> json { return ""; }},
        {"CALL_VOTE", "callVote", Kind::Int, [](const Call&) -> json { return nullptr; }},
        {"COST", "cost", Kind::Num, [](const Call&) -> json { return "0.0000"; }},
        {"COST_CURRENCY", "costCurrency", Kind::Str, [](const Call&) -> json { return "RUR"; }},
        {"CRM_ENTITY_TYPE", "crmEntityType", Kind::Str,
         [](const Call& c) -> json { return c.crm_entity_type; }},
        {"CRM_ENTITY_ID", "crmEntityId", Kind::Int,
         [](const Call& c) -> json { return id_str(c.crm_entity_id); }},
        {"CRM_ACTIVITY_ID", "crmActivityId", Kind::Int,
         [](const Call& c) -> json { return id_str(c.crm_activity_id); }},
        {"REST_APP_ID", "restAppId", Kind::Int, [](const Call&) -> json { return nullptr; }},
    };
}

MethodResult Portal::voximplant_statistic(const json& p, const Caller&, Instant) {
    auto fields = call_fields(*this);
    const json* filter = param(p, "FILTER");
    json order;
    if (const json* s = param(p, "SORT"))
        order[text_of(*s)] = param(p, "ORDER") ? text_of(*param(p, "ORDER")) : "ASC";
    // voximplant.statistic.get takes FILTER, SORT and ORDER and returns every field.
    json q = {{"start", param(p, "start") ? *param(p, "start") : json(0)}};
    return legacy_list(calls, fields, q, filter ? *filter : json(), order, utc_offset_minutes,
                       true);
}

Call& Portal::add_call(Call call, bool create_activity, Instant now) {
    call.id = calls.empty() ? 1 : calls.back().id + 1;
    if (call.call_id.empty()) call.call_id = "externalCall." + std::to_string(call.id);
    if (create_activity && call.crm_entity_id != 0) {
        int owner_type = call.crm_entity_type == "DEAL" ? 2 : 1;
        bool missed = call.failed_code != "200";
        json f = {
            {"OWNER_TYPE_ID", owner_type},
            {"OWNER_ID", call.crm_entity_id},
            {"TYPE_ID", 2},
            {"PROVIDER_ID", "VOXIMPLANT_CALL"},
            {"PROVIDER_TYPE_ID", "CALL"},
            {"DIRECTION", call.call_type == 1 ? 2 : 1},
            {"SUBJECT", call.call_type == 1 ? "Исходящий звонок"
                                            : (missed ? "Пропущенный звонок" : "Входящий звонок")},
            {"COMPLETED", call.call_type == 1 || !missed ? "Y" : "N"},
            {"RESPONSIBLE_ID", call.portal_user_id},
            {"START_TIME", iso(call.start)},
            {"END_TIME", iso(call.start + std::chrono::seconds(call.duration))},
            {"COMMUNICATIONS", json::array({{{"TYPE", "PHONE"}, {"VALUE", call.phone_number}}})}};
        call.crm_activity_id = add_activity(f, call.portal_user_id, now).id;
    }
    calls.push_back(call);
    const Call& c = calls.back();
    // ONVOXIMPLANTCALLEND carries exactly the fields of its page (b24restdocs
    // api-reference/telephony/voximplant/events/on-voximplant-call-end.md): the CRM entity is
    // not among them, only the call's activity; voximplant.statistic.get names the entity.
    emit("ONVOXIMPLANTCALLEND", {{"CALL_ID", c.call_id},
                                 {"CALL_TYPE", id_str(c.call_type)},
                                 {"PHONE_NUMBER", c.phone_number},
                                 {"PORTAL_NUMBER", c.portal_number},
                                 {"PORTAL_USER_ID", id_str(c.portal_user_id)},
                                 {"CALL_DURATION", id_str(c.duration)},
                                 {"CALL_START_DATE", iso(c.start)},
                                 {"COST", "0.0000"},
                                 {"COST_CURRENCY", "RUR"},
                                 {"CALL_FAILED_CODE", c.failed_code},
                                 {"CALL_FAILED_REASON", c.failed_reason},
                                 {"CRM_ACTIVITY_ID", id_str(c.crm_activity_id)}});
    return calls.back();
}

}  // namespace reglament::emulator
