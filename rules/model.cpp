#include "rules/model.hpp"

#include <stdexcept>

namespace reglament::rules {

EntityRef EntityRef::parse(const std::string& key) {
    auto colon = key.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == key.size())
        throw std::invalid_argument("entity key must look like type:id, not '" + key + "'");
    return EntityRef{key.substr(0, colon), key.substr(colon + 1)};
}

const Person* Staff::find_by_key(const std::string& key) const {
    for (const auto* list : {&managers, &heads})
        for (const auto& p : *list)
            if (p.key == key) return &p;
    return nullptr;
}

const Person* Staff::find_by_user(const std::string& user_id) const {
    for (const auto* list : {&managers, &heads})
        for (const auto& p : *list)
            if (p.user_id == user_id) return &p;
    return nullptr;
}

}  // namespace reglament::rules
