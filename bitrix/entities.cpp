#include "bitrix/entities.hpp"

#include "bitrix/error.hpp"
#include "bitrix/fields.hpp"

namespace reglament::bitrix {

using nlohmann::json;

namespace {

std::optional<int> small_int(const json& obj, std::initializer_list<std::string_view> keys) {
    auto v = int_field(obj, keys);
    return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

}  // namespace

std::vector<Multifield> multifields(const json& obj, const char* type_id) {
    std::vector<Multifield> out;
    auto add_from = [&](const json& entry, bool from_fm) {
        if (!entry.is_object()) return;
        Multifield m;
        m.id = text_or_empty(entry, {"ID", "id"});
        m.type_id = text_or_empty(entry, {"TYPE_ID", "typeId"});
        m.value_type = text_or_empty(entry, {"VALUE_TYPE", "valueType"});
        m.value = text_or_empty(entry, {"VALUE", "value"});
        if (m.type_id.empty() && !from_fm) m.type_id = type_id;
        if (m.value.empty() || !iequals(m.type_id, type_id)) return;
        out.push_back(std::move(m));
    };
    if (const json* list = find_field(obj, {type_id});
        list && (list->is_array() || list->is_object()))
        for (const auto& e : *list)
            add_from(e, false);
    if (const json* fm = find_field(obj, {"fm", "FM"}); fm && (fm->is_array() || fm->is_object()))
        for (const auto& e : *fm)
            add_from(e, true);
    return out;
}

Lead lead_from(const json& o) {
    Lead l;
    l.id = text_or_empty(o, {"ID", "id"});
    l.title = text_or_empty(o, {"TITLE", "title"});
    // crm.item.list reports a lead's STATUS_ID as stageId (bitrix24.md §6).
    l.status_id = text_or_empty(o, {"STATUS_ID", "stageId", "statusId"});
    l.status_semantic_id =
        text_or_empty(o, {"STATUS_SEMANTIC_ID", "stageSemanticId", "statusSemanticId"});
    l.source_id = text_or_empty(o, {"SOURCE_ID", "sourceId"});
    l.assigned_by_id = text_or_empty(o, {"ASSIGNED_BY_ID", "assignedById"});
    l.created_by_id = text_or_empty(o, {"CREATED_BY_ID", "createdBy"});
    l.contact_id = text_or_empty(o, {"CONTACT_ID", "contactId"});
    l.company_id = text_or_empty(o, {"COMPANY_ID", "companyId"});
    l.date_create = time_field(o, {"DATE_CREATE", "createdTime"});
    l.date_modify = time_field(o, {"DATE_MODIFY", "updatedTime"});
    l.date_closed = time_field(o, {"DATE_CLOSED", "closedTime"});
    l.moved_time = time_field(o, {"MOVED_TIME", "movedTime"});
    l.phones = multifields(o, "PHONE");
    l.emails = multifields(o, "EMAIL");
    return l;
}

Deal deal_from(const json& o) {
    Deal d;
    d.id = text_or_empty(o, {"ID", "id"});
    d.title = text_or_empty(o, {"TITLE", "title"});
    d.stage_id = text_or_empty(o, {"STAGE_ID", "stageId"});
    d.stage_semantic_id = text_or_empty(o, {"STAGE_SEMANTIC_ID", "stageSemanticId"});
    // "0" is the default funnel: 0 and "0" are values, not "empty".
    d.category_id = text_or_empty(o, {"CATEGORY_ID", "categoryId"});
    d.currency_id = text_or_empty(o, {"CURRENCY_ID", "currencyId"});
    d.assigned_by_id = text_or_empty(o, {"ASSIGNED_BY_ID", "assignedById"});
    d.lead_id = text_or_empty(o, {"LEAD_ID", "leadId"});
    d.contact_id = text_or_empty(o, {"CONTACT_ID", "contactId"});
    d.company_id = text_or_empty(o, {"COMPANY_ID", "companyId"});
    d.closed = flag_field(o, {"CLOSED", "closed"});
    d.opportunity = number_field(o, {"OPPORTUNITY", "opportunity"});
    d.date_create = time_field(o, {"DATE_CREATE", "createdTime"});
    d.date_modify = time_field(o, {"DATE_MODIFY", "updatedTime"});
    d.moved_time = time_field(o, {"MOVED_TIME", "movedTime"});
    d.close_date = time_field(o, {"CLOSEDATE", "closedate"});
    return d;
}

Task task_from(const json& in) {
    const json& o =
        in.is_object() && in.contains("task") && in["task"].is_object() ? in["task"] : in;
    Task t;
    t.id = text_or_empty(o, {"ID", "id"});
    t.title = text_or_empty(o, {"TITLE", "title"});
    t.responsible_id = text_or_empty(o, {"RESPONSIBLE_ID", "responsibleId"});
    t.created_by = text_or_empty(o, {"CREATED_BY", "createdBy"});
    t.status = small_int(o, {"REAL_STATUS", "realStatus", "STATUS", "status"});
    t.priority = small_int(o, {"PRIORITY", "priority"});
    t.deadline = time_field(o, {"DEADLINE", "deadline"});
    t.created_date = time_field(o, {"CREATED_DATE", "createdDate"});
    t.changed_date = time_field(o, {"CHANGED_DATE", "changedDate"});
    t.closed_date = time_field(o, {"CLOSED_DATE", "closedDate"});
    t.crm_bindings = list_field(o, {"UF_CRM_TASK", "ufCrmTask"});
    return t;
}

Activity activity_from(const json& o) {
    Activity a;
    a.id = text_or_empty(o, {"ID", "id"});
    a.owner_type_id = text_or_empty(o, {"OWNER_TYPE_ID", "ownerTypeId"});
    a.owner_id = text_or_empty(o, {"OWNER_ID", "ownerId"});
    a.type_id = text_or_empty(o, {"TYPE_ID", "typeId"});
    a.provider_id = text_or_empty(o, {"PROVIDER_ID", "providerId"});
    a.provider_type_id = text_or_empty(o, {"PROVIDER_TYPE_ID", "providerTypeId"});
    a.responsible_id = text_or_empty(o, {"RESPONSIBLE_ID", "responsibleId"});
    a.subject = text_or_empty(o, {"SUBJECT", "subject"});
    a.direction = small_int(o, {"DIRECTION", "direction"});
    a.completed = flag_field(o, {"COMPLETED", "completed"});
    a.created = time_field(o, {"CREATED", "created"});
    a.start_time = time_field(o, {"START_TIME", "startTime"});
    a.end_time = time_field(o, {"END_TIME", "endTime"});
    a.deadline = time_field(o, {"DEADLINE", "deadline"});
    return a;
}

Call call_from(const json& o) {
    Call c;
    c.id = text_or_empty(o, {"ID", "id"});
    c.call_id = text_or_empty(o, {"CALL_ID", "callId"});
    c.portal_user_id = text_or_empty(o, {"PORTAL_USER_ID", "portalUserId"});
    c.portal_number = text_or_empty(o, {"PORTAL_NUMBER", "portalNumber"});
    c.phone_number = text_or_empty(o, {"PHONE_NUMBER", "phoneNumber"});
    c.failed_code = text_or_empty(o, {"CALL_FAILED_CODE", "callFailedCode"});
    c.failed_reason = text_or_empty(o, {"CALL_FAILED_REASON", "callFailedReason"});
    c.crm_entity_type = text_or_empty(o, {"CRM_ENTITY_TYPE", "crmEntityType"});
    c.crm_entity_id = text_or_empty(o, {"CRM_ENTITY_ID", "crmEntityId"});
    c.crm_activity_id = text_or_empty(o, {"CRM_ACTIVITY_ID", "crmActivityId"});
    c.record_url = text_or_empty(o, {"CALL_RECORD_URL", "callRecordUrl"});
    c.call_type = small_int(o, {"CALL_TYPE", "callType"});
    c.duration_seconds = int_field(o, {"CALL_DURATION", "callDuration"});
    if (!c.duration_seconds && o.is_object() && o.contains("CALL_DURATION")) c.duration_seconds = 0;
    c.start = time_field(o, {"CALL_START_DATE", "callStartDate"});
    return c;
}

User user_from(const json& o) {
    User u;
    u.id = text_or_empty(o, {"ID", "id"});
    u.name = text_or_empty(o, {"NAME", "name"});
    u.last_name = text_or_empty(o, {"LAST_NAME", "lastName"});
    u.email = text_or_empty(o, {"EMAIL", "email"});
    u.work_position = text_or_empty(o, {"WORK_POSITION", "workPosition"});
    u.user_type = text_or_empty(o, {"USER_TYPE", "userType"});
    u.active = flag_field(o, {"ACTIVE", "active"});
    u.departments = list_field(o, {"UF_DEPARTMENT", "departments", "ufDepartment"});
    return u;
}

Stage stage_from(const json& o) {
    Stage s;
    s.status_id = text_or_empty(o, {"STATUS_ID", "statusId", "id"});
    s.name = text_or_empty(o, {"NAME", "name"});
    s.entity_id = text_or_empty(o, {"ENTITY_ID", "entityId"});
    s.category_id = text_or_empty(o, {"CATEGORY_ID", "categoryId"});
    s.sort = small_int(o, {"SORT", "sort"});
    // EXTRA.SEMANTICS exists only for some directories; fall back to SEMANTICS S/F (§6).
    std::string extra;
    if (const json* e = find_field(o, {"EXTRA", "extra"}))
        extra = text_or_empty(*e, {"SEMANTICS", "semantics"});
    std::string legacy = text_or_empty(o, {"SEMANTICS", "semantics"});
    if (iequals(extra, "success") || iequals(legacy, "S")) {
        s.semantics = StageSemantics::success;
    } else if (iequals(extra, "apology")) {
        s.semantics = StageSemantics::apology;
    } else if (iequals(extra, "failure") || iequals(legacy, "F")) {
        s.semantics = StageSemantics::failure;
    }
    return s;
}

}  // namespace reglament::bitrix
