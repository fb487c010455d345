#include "daemon/portal_presence.hpp"

#include "bitrix/datetime.hpp"

namespace reglament::daemon {

using nlohmann::json;

namespace {

std::string id_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return {};
}

// Bitrix24 writes booleans as JSON booleans here, but older methods use "Y"/"N"; a value it
// did not send at all keeps the user active (never block on missing data).
bool truthy(const json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) {
        auto s = v.get<std::string>();
        return !(s == "N" || s == "n" || s == "false" || s == "0" || s.empty());
    }
    if (v.is_number()) return v.get<double>() != 0;
    return true;
}

}  // namespace

std::optional<PortalUser> parse_im_user(const json& result) {
    if (!result.is_object()) return std::nullopt;
    PortalUser user;
    user.id = id_text(result.value("id", json()));
    if (user.id.empty()) return std::nullopt;
    if (result.contains("active")) user.active = truthy(result["active"]);
    const json& absent = result.value("absent", json(false));
    if (absent.is_string() && !absent.get<std::string>().empty()) {
        // A date without an offset (or anything else) names no instant: the user is away,
        // and the next refresh asks again.
        auto end = bitrix::parse_datetime(absent.get<std::string>());
        user.absent_until = end ? *end : TimePoint::max();
    } else if (absent.is_boolean() && absent.get<bool>()) {
        user.absent_until = TimePoint::max();
    }
    return user;
}

std::optional<std::string> parse_timeman_status(const json& result) {
    if (!result.is_object()) return std::nullopt;
    const json& status = result.value("STATUS", json());
    if (!status.is_string() || status.get<std::string>().empty()) return std::nullopt;
    return status.get<std::string>();
}

PortalPresence::PortalPresence(bool use_timeman) : use_timeman_(use_timeman) {}

void PortalPresence::set_use_timeman(bool use_timeman) {
    std::lock_guard lock(mutex_);
    use_timeman_ = use_timeman;
}

void PortalPresence::update(const PortalUser& user) {
    std::lock_guard lock(mutex_);
    auto& known = users_[user.id];
    known.active = user.active;
    known.absent_until = user.absent_until;
}

void PortalPresence::update_timeman(const std::string& user_id, const std::string& status) {
    std::lock_guard lock(mutex_);
    users_[user_id].timeman = status;
}

bool PortalPresence::allows(const std::string& user_id, TimePoint at) const {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user_id);
    if (it == users_.end()) return true;
    const Known& k = it->second;
    if (!k.active) return false;
    if (k.absent_until && at < *k.absent_until) return false;
    if (use_timeman_ && k.timeman && *k.timeman != "OPENED") return false;
    return true;
}

}  // namespace reglament::daemon
