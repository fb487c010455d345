// [people]: the call centre's managers and heads, by the key rules use to name them.
#include <algorithm>
#include <map>

#include "config/sections.hpp"

namespace reglament::config {

namespace {

// toml++ keeps a table's keys sorted; the file's order is the order of their positions.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, node] : table)
        entries.emplace_back(&key, &node);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto& x = a.first->source().begin;
        const auto& y = b.first->source().begin;
        return std::pair(x.line, x.column) < std::pair(y.line, y.column);
    });
    return entries;
}

void read_group(TableReader& reader, std::string_view group, std::vector<Person>& out,
                std::map<std::int64_t, std::string>& user_ids, const People& people) {
    const auto* table = reader.table(group);
    if (table == nullptr) return;
    for (const auto& [key_ptr, node_ptr] : in_file_order(*table)) {
        const auto& key = *key_ptr;
        const auto& node = *node_ptr;
        const std::string name(key.str());
        const std::string path = reader.path(group) + "." + name;
        const auto* person_table = node.as_table();
        if (person_table == nullptr) {
            reader.report().error(node.source(), path +
                                                     " must be a table with user_id and "
                                                     "name, not " +
                                                     std::string(describe(node.type())));
            continue;
        }
        TableReader person_reader(*person_table, path, reader.report());
        Person person;
        person.key = name;
        if (auto id = person_reader.integer("user_id", 1, INT64_MAX)) {
            person.user_id = *id;
            auto [it, inserted] = user_ids.emplace(*id, path);
            if (!inserted) {
                reader.report().error(
                    person_reader.node("user_id")->source(),
                    path + ": user_id " + std::to_string(*id) + " is already " + it->second + "'s");
            }
        } else if (person_reader.node("user_id") == nullptr) {
            reader.report().error(person_table->source(), path + ".user_id is missing");
        }
        if (auto full_name = person_reader.string("name")) person.name = *full_name;
        if (const auto* shifts = person_reader.table("shifts")) {
            TableReader shift_reader(*shifts, path + ".shifts", reader.report());
            person.shifts = read_weekly_hours(shift_reader);
        }
        if (people.find(name) != nullptr) {
            reader.report().error(
                key.source(), "'" + name + "' is both a manager and a head; keys must be unique");
        }
        out.push_back(std::move(person));
    }
}

}  // namespace

void read_people(TableReader& reader, People& people) {
    // At least 10 s: every refresh is one read per person, and a portal's absence chart does
    // not change by the second.
    if (auto seconds = reader.integer("presence_refresh_seconds", 10, 86400))
        people.presence_refresh = std::chrono::seconds{*seconds};
    if (auto timeman = reader.boolean("use_timeman")) people.use_timeman = *timeman;
    std::map<std::int64_t, std::string> user_ids;
    read_group(reader, "managers", people.managers, user_ids, people);
    read_group(reader, "heads", people.heads, user_ids, people);
}

}  // namespace reglament::config
