// lookup.duplicates (rules/rule.hpp, L2) as pure steps: the searches, the reads of what they
// found, and the answer fed back to the asking rule. The worker runs the calls.
//   1. crm.duplicate.findbycomm {type PHONE | EMAIL, values (≤ 20)} for every entity type;
//      an empty answer is `[]`, not an object (bitrix24.md §6 "Duplicates").
//   2. crm.lead.list / crm.contact.list / crm.company.list {filter {"@ID": ids}} for titles and
//      responsibles, and crm.deal.list {filter {"@CONTACT_ID" | "@COMPANY_ID": ids}} for the
//      deals of the contacts and companies found (first page of each: 50 rows).
//   3. The answer {"hits": [{type, id, title, assigned_by_id, assigned_name}]}, the asking lead
//      left out; assigned_name comes from the config's people.
// The answer goes to the inbox as source "outbox", kind "lookup.duplicates", entity_key the
// row's entity, dedup_key "lookup.duplicates:<idempotency key>", payload {"rule_id",
// "result": {"hits": [...]}}: the engine turns it into Event{updated, "lookup.duplicates",
// result = payload.result}.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/outbox_plan.hpp"

namespace reglament::daemon {

// Step 1; empty when the params name neither phones nor e-mails.
std::vector<BitrixCall> duplicate_searches(const nlohmann::json& params);

struct FoundIds {
    std::vector<std::string> leads, contacts, companies;
    bool empty() const { return leads.empty() && contacts.empty() && companies.empty(); }
};
// Merges the answers of step 1 (each an object by type, or `[]`).
FoundIds found_ids(const std::vector<nlohmann::json>& search_results);

// Step 2.
std::vector<BitrixCall> duplicate_reads(const FoundIds& ids);

// Step 3, from the answers of step 2 in the order of duplicate_reads(ids).
nlohmann::json duplicate_answer(const FoundIds& ids, const std::vector<nlohmann::json>& reads,
                                const nlohmann::json& params,
                                const std::map<std::string, std::string>& user_names);

}  // namespace reglament::daemon
