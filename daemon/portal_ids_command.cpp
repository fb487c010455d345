#include "daemon/portal_ids_command.hpp"

#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "bitrix/client.hpp"
#include "config/config.hpp"
#include "daemon/command_config.hpp"

namespace reglament::daemon {

namespace {

using nlohmann::json;

std::string text(const json& row, const char* upper, const char* camel = nullptr) {
    const json* v = nullptr;
    if (row.contains(upper))
        v = &row[upper];
    else if (camel && row.contains(camel))
        v = &row[camel];
    if (!v || v->is_null()) return "";
    return v->is_string() ? v->get<std::string>() : v->dump();
}

std::string pad(const std::string& s, std::size_t width) {
    // Columns by code points, so Cyrillic names line up too.
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n >= width ? s + " " : s + std::string(width - n, ' ');
}

// The portal's calls, one at a time, from this thread; the client's loop runs on another.
class Portal {
  public:
    explicit Portal(const config::Config& cfg) {
        bitrix::ClientOptions o;
        o.webhook_url = cfg.portal.webhook_url->reveal();
        o.bucket.burst = cfg.portal.rate_limit.burst;
        o.bucket.drain_per_second = cfg.portal.rate_limit.drain_per_second;
        client_.emplace(io_, o, clock_);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Portal() {
        boost::asio::post(io_, [this] { client_->shutdown(); });
        guard_.reset();
        thread_.join();
    }
    Portal(const Portal&) = delete;
    Portal& operator=(const Portal&) = delete;

    bitrix::Result call(const std::string& method, json params) {
        return client_->call(method, std::move(params), bitrix::Idempotency::read).get();
    }

    // Every row of a legacy list method, following `next`.
    std::optional<json> list(const std::string& method, json params, std::string& error) {
        json rows = json::array();
        for (int pages = 0; pages < 200; ++pages) {
            auto r = call(method, params);
            if (!r.ok()) {
                error = r.error->to_string();
                return std::nullopt;
            }
            if (r.result.is_array())
                for (const auto& row : r.result)
                    rows.push_back(row);
            if (!r.next) break;
            params["start"] = *r.next;
        }
        return rows;
    }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
        boost::asio::make_work_guard(io_);
    SystemClock clock_;
    std::optional<bitrix::Client> client_;
    std::thread thread_;
};

void print_statuses(const json& rows) {
    for (const auto& s : rows) {
        std::string semantics = s.contains("EXTRA") && s["EXTRA"].is_object()
                                    ? text(s["EXTRA"], "SEMANTICS")
                                    : text(s, "SEMANTICS");
        std::cout << "    " << pad(text(s, "STATUS_ID", "statusId"), 24)
                  << pad(text(s, "NAME", "name"), 32) << semantics << "\n";
    }
}

bool print_user_fields(Portal& portal, const std::string& method, const std::string& title) {
    auto r = portal.call(method, json::object());
    std::cout << "\n" << title << " (" << method << ")\n";
    if (!r.ok() || !r.result.is_object()) {
        std::cout << "    not available: " << (r.ok() ? "unexpected answer" : r.error->to_string())
                  << "\n";
        return false;
    }
    int shown = 0;
    for (const auto& [name, f] : r.result.items()) {
        if (name.rfind("UF_", 0) != 0 || !f.is_object()) continue;
        std::string label = text(f, "formLabel");
        if (label.empty()) label = text(f, "listLabel");
        if (label.empty()) label = text(f, "title");
        std::cout << "    " << pad(name, 32) << pad(text(f, "type"), 12) << label
                  << (f.value("isMultiple", false) ? "  (multiple)" : "") << "\n";
        if (f.contains("items") && f["items"].is_array())
            for (const auto& item : f["items"])
                std::cout << "        " << pad(text(item, "ID"), 8) << text(item, "VALUE") << "\n";
        ++shown;
    }
    if (shown == 0) std::cout << "    none\n";
    return true;
}

}  // namespace

int portal_ids_command(const std::string& config_path) {
    auto loaded = load_for_command(config_path);
    if (!loaded) return 1;
    const auto& cfg = *loaded;
    if (!cfg.portal.webhook_url) {
        // OAuth refresh tokens rotate and belong to the running daemon: a second user of them
        // would leave the daemon with a dead token.
        std::cerr << config_path
                  << ": portal-ids reads the portal through [portal] webhook_url; this config "
                     "has none\n";
        return 1;
    }
    try {
        Portal portal(cfg);
        std::string error;

        std::cout << "Lead statuses (crm.status.list ENTITY_ID=STATUS) — STATUS_ID, name, "
                     "semantics\n";
        auto statuses = portal.list(
            "crm.status.list",
            {{"filter", {{"ENTITY_ID", "STATUS"}}}, {"order", {{"SORT", "ASC"}}}}, error);
        if (!statuses) {
            std::cerr << "portal: crm.status.list: " << error << "\n";
            return 1;
        }
        print_statuses(*statuses);

        std::cout << "\nDeal pipelines (crm.category.list entityTypeId=2) and their stages\n";
        auto cats = portal.call("crm.category.list", {{"entityTypeId", 2}});
        json categories = json::array();
        if (cats.ok() && cats.result.is_object() && cats.result.contains("categories"))
            categories = cats.result["categories"];
        else if (!cats.ok())
            std::cout << "    pipelines not listed: " << cats.error->to_string()
                      << "; the default pipeline only\n";
        if (categories.empty()) categories.push_back({{"id", 0}, {"name", "(default)"}});
        for (const auto& c : categories) {
            std::string id = text(c, "id", "ID");
            std::string entity = id == "0" ? "DEAL_STAGE" : "DEAL_STAGE_" + id;
            std::cout << "  pipeline " << id << "  " << text(c, "name", "NAME")
                      << (text(c, "isDefault") == "Y" ? "  (default)" : "") << "  — " << entity
                      << "\n";
            auto stages = portal.list(
                "crm.status.list",
                {{"filter", {{"ENTITY_ID", entity}}}, {"order", {{"SORT", "ASC"}}}}, error);
            if (!stages) {
                std::cerr << "portal: crm.status.list " << entity << ": " << error << "\n";
                return 1;
            }
            print_statuses(*stages);
        }

        std::cout << "\nUsers (user.get) — id, name, position, e-mail, active\n";
        auto users = portal.list("user.get", {{"sort", "ID"}, {"order", "ASC"}}, error);
        if (!users) {
            std::cerr << "portal: user.get: " << error << "\n";
            return 1;
        }
        for (const auto& u : *users) {
            std::string name = text(u, "NAME");
            if (auto last = text(u, "LAST_NAME"); !last.empty()) name += " " + last;
            bool active = !u.contains("ACTIVE") || u["ACTIVE"] == true || u["ACTIVE"] == "Y";
            std::string line = "    " + pad(text(u, "ID"), 8) + pad(name, 28) +
                               pad(text(u, "WORK_POSITION"), 28) + pad(text(u, "EMAIL"), 28) +
                               (active ? "" : "inactive");
            while (!line.empty() && line.back() == ' ')
                line.pop_back();
            std::cout << line << "\n";
        }

        print_user_fields(portal, "crm.lead.fields", "Lead user fields");
        print_user_fields(portal, "crm.deal.fields", "Deal user fields");
    } catch (const std::exception& e) {
        std::cerr << "portal-ids: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace reglament::daemon
