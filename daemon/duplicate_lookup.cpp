#include "daemon/duplicate_lookup.hpp"

#include <algorithm>
#include <set>

namespace reglament::daemon {

using nlohmann::json;

namespace {

constexpr std::size_t max_values = 20;  // crm.duplicate.findbycomm takes at most 20 values

std::string text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

BitrixCall read(std::string method, json params) {
    return {std::move(method), std::move(params), bitrix::Idempotency::read};
}

void add_search(std::vector<BitrixCall>& calls, const json& params, const char* name,
                const char* type) {
    if (!params.contains(name) || !params[name].is_array()) return;
    json values = json::array();
    for (const json& v : params[name])
        if (std::string s = text_of(v); !s.empty() && values.size() < max_values)
            values.push_back(s);
    if (!values.empty())
        calls.push_back(read("crm.duplicate.findbycomm", {{"type", type}, {"values", values}}));
}

void add_ids(std::vector<std::string>& to, const json& from) {
    if (!from.is_array()) return;
    for (const json& id : from)
        if (std::string s = text_of(id);
            !s.empty() && std::find(to.begin(), to.end(), s) == to.end())
            to.push_back(s);
}

json list_params(const char* filter, const std::vector<std::string>& ids, json select) {
    return {{"filter", {{filter, ids}}}, {"select", std::move(select)}, {"order", {{"ID", "ASC"}}}};
}

// The entity type each answer of duplicate_reads() holds, in the same order.
std::vector<std::string> read_types(const FoundIds& ids) {
    std::vector<std::string> types;
    if (!ids.leads.empty()) types.push_back("lead");
    if (!ids.contacts.empty()) types.insert(types.end(), {"contact", "deal"});
    if (!ids.companies.empty()) types.insert(types.end(), {"company", "deal"});
    return types;
}

}  // namespace

std::vector<BitrixCall> duplicate_searches(const nlohmann::json& params) {
    std::vector<BitrixCall> calls;
    add_search(calls, params, "phones", "PHONE");
    add_search(calls, params, "emails", "EMAIL");
    return calls;
}

FoundIds found_ids(const std::vector<nlohmann::json>& search_results) {
    FoundIds ids;
    for (const json& r : search_results) {
        if (!r.is_object()) continue;  // `[]`: nothing found
        if (r.contains("LEAD")) add_ids(ids.leads, r["LEAD"]);
        if (r.contains("CONTACT")) add_ids(ids.contacts, r["CONTACT"]);
        if (r.contains("COMPANY")) add_ids(ids.companies, r["COMPANY"]);
    }
    return ids;
}

std::vector<BitrixCall> duplicate_reads(const FoundIds& ids) {
    json owned = {"ID", "TITLE", "ASSIGNED_BY_ID"};
    std::vector<BitrixCall> calls;
    if (!ids.leads.empty())
        calls.push_back(read("crm.lead.list", list_params("@ID", ids.leads, owned)));
    if (!ids.contacts.empty()) {
        calls.push_back(
            read("crm.contact.list",
                 list_params("@ID", ids.contacts, {"ID", "NAME", "LAST_NAME", "ASSIGNED_BY_ID"})));
        calls.push_back(read("crm.deal.list", list_params("@CONTACT_ID", ids.contacts, owned)));
    }
    if (!ids.companies.empty()) {
        calls.push_back(read("crm.company.list", list_params("@ID", ids.companies, owned)));
        calls.push_back(read("crm.deal.list", list_params("@COMPANY_ID", ids.companies, owned)));
    }
    return calls;
}

nlohmann::json duplicate_answer(const FoundIds& ids, const std::vector<nlohmann::json>& reads,
                                const nlohmann::json& params,
                                const std::map<std::string, std::string>& user_names) {
    std::string asking_type =
        params.is_object() ? text_of(params.value("entity_type", json())) : "";
    std::string asking_id = params.is_object() ? text_of(params.value("entity_id", json())) : "";
    auto types = read_types(ids);
    json hits = json::array();
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < types.size() && i < reads.size(); ++i) {
        if (!reads[i].is_array()) continue;
        for (const json& item : reads[i]) {
            std::string id = text_of(item.value("ID", json()));
            if (id.empty() || (types[i] == asking_type && id == asking_id)) continue;
            if (!seen.insert({types[i], id}).second) continue;
            std::string title = text_of(item.value("TITLE", json()));
            if (types[i] == "contact") {
                title = text_of(item.value("NAME", json()));
                std::string last = text_of(item.value("LAST_NAME", json()));
                if (!last.empty()) title += (title.empty() ? "" : " ") + last;
            }
            std::string assigned = text_of(item.value("ASSIGNED_BY_ID", json()));
            auto name = user_names.find(assigned);
            hits.push_back({{"type", types[i]},
                            {"id", id},
                            {"title", title},
                            {"assigned_by_id", assigned},
                            {"assigned_name", name == user_names.end() ? "" : name->second}});
        }
    }
    return {{"hits", hits}};
}

}  // namespace reglament::daemon
