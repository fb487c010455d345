// The OAuth server of an application (bitrix24.md §1 "OAuth application"): authorization codes
// valid 30 s, access tokens that expire (401 expired_token), refresh tokens that rotate on
// every use (the old one becomes invalid_grant).
#pragma once

#include <chrono>
#include <map>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/timefmt.hpp"

namespace reglament::emulator {

class OAuthServer {
  public:
    std::string client_id = "local.emulator";
    std::string client_secret = "emulator-secret";
    std::chrono::seconds access_ttl{3600};
    std::chrono::seconds refresh_ttl{180 * 24 * 3600};
    std::string domain = "emulator.bitrix24.ru";
    std::string member_id = "emulator-member";
    std::string client_endpoint;  // "https://host/rest/"

    std::string issue_code(std::int64_t user_id, Instant now);
    // A token pair without the code dance, for tests and demos.
    nlohmann::json issue_tokens(std::int64_t user_id, Instant now);

    struct Answer {
        int status;
        nlohmann::json body;
    };
    // GET /oauth/token/?grant_type=...; params are the query string's values.
    Answer token_endpoint(const nlohmann::json& params, Instant now);

    enum class Check { ok, expired, unknown };
    Check check_access(const std::string& token, Instant now, std::int64_t& user_id) const;

  private:
    struct Grant {
        std::int64_t user_id;
        Instant expires;
    };
    std::string random_token();
    std::map<std::string, Grant> codes_, access_, refresh_;
    std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace reglament::emulator
