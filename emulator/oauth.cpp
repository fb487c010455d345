#include "emulator/oauth.hpp"

#include <cstdio>

namespace reglament::emulator {

using nlohmann::json;

std::string OAuthServer::random_token() {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                  static_cast<unsigned long long>(rng_()));
    return buf;
}

std::string OAuthServer::issue_code(std::int64_t user_id, Instant now) {
    auto code = random_token();
    codes_[code] = {user_id, now + std::chrono::seconds(30)};
    return code;
}

json OAuthServer::issue_tokens(std::int64_t user_id, Instant now) {
    auto access = random_token();
    auto refresh = random_token();
    access_[access] = {user_id, now + access_ttl};
    refresh_[refresh] = {user_id, now + refresh_ttl};
    return {{"access_token", access},
            {"refresh_token", refresh},
            {"expires_in", access_ttl.count()},
            {"expires", static_cast<std::int64_t>(unix_seconds(now + access_ttl))},
            {"user_id", user_id},
            {"client_endpoint", client_endpoint},
            {"server_endpoint", "https://oauth.bitrix.info/rest/"},
            {"domain", "oauth.bitrix.info"},
            {"member_id", member_id},
            {"scope", "crm,task,user,im,timeman,telephony"},
            {"status", "L"}};
}

OAuthServer::Answer OAuthServer::token_endpoint(const json& p, Instant now) {
    auto get = [&](const char* k) {
        auto it = p.find(k);
        return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto error = [](int status, const char* code, const char* text) {
        return Answer{status, {{"error", code}, {"error_description", text}}};
    };
    if (get("client_id") != client_id || get("client_secret") != client_secret)
        return error(401, "invalid_client", "Invalid client");
    std::string grant = get("grant_type");
    if (grant == "authorization_code") {
        auto it = codes_.find(get("code"));
        if (it == codes_.end() || it->second.expires <= now)
            return error(400, "invalid_grant", "Authorization code is invalid or expired");
        auto user = it->second.user_id;
        codes_.erase(it);
        return {200, issue_tokens(user, now)};
    }
    if (grant == "refresh_token") {
        auto it = refresh_.find(get("refresh_token"));
        if (it == refresh_.end() || it->second.expires <= now)
            return error(400, "invalid_grant", "Refresh token is invalid or expired");
        auto user = it->second.user_id;
        refresh_.erase(it);  // the refresh token rotates: each one is good once
        return {200, issue_tokens(user, now)};
    }
    return error(400, "invalid_request", "Unsupported grant_type");
}

OAuthServer::Check OAuthServer::check_access(const std::string& token, Instant now,
                                             std::int64_t& user_id) const {
    auto it = access_.find(token);
    if (it == access_.end()) return Check::unknown;
    user_id = it->second.user_id;
    return it->second.expires <= now ? Check::expired : Check::ok;
}

}  // namespace reglament::emulator
