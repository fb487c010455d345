// A small Bitrix24 portal behind net::HttpServer for the outbox and poller tests (until the
// emulator lands): tasks (add, list by TITLE), leads with DATE_MODIFY (list with >DATE_MODIFY,
// >ID, STATUS_SEMANTIC_ID, update), notifications, and `batch` chains with `$result[...]`
// references resolved as tests/unit/bitrix/fake_portal.hpp does. Tests can refuse a call
// before it runs or withhold the answer of one that ran (a lost answer).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "net/form.hpp"
#include "net/http_server.hpp"
#include "tests/unit/bitrix/fake_portal.hpp"

namespace reglament::testing {

using nlohmann::json;

struct LocalPortal {
    struct TaskRow {
        long long id;
        json fields;
    };
    struct LeadRow {
        long long id;
        std::string modified;  // "2026-03-02T09:00:00+00:00"
        std::string semantic = "P";
    };

    boost::asio::io_context io;
    std::mutex mutex;
    std::vector<TaskRow> tasks;
    std::vector<LeadRow> leads;
    std::map<std::string, int> calls;  // method -> times run (batch commands included)
    std::vector<json> lead_updates;
    json duplicates = json::array();  // crm.duplicate.findbycomm's answer for PHONE
    json call_rows = json::array();   // voximplant.statistic.get's rows, whatever the filter
    int requests = 0;
    // Before a call runs: a response to send instead (the call does not run).
    std::function<std::optional<net::Response>(const std::string& method, int n)> refuse;
    // After a call ran: true to withhold its answer (the client times out).
    std::function<bool(const std::string& method, int n)> withhold;
    std::vector<net::Reply> held;
    // Wazzup's POST /v3/message on the same server: bodies received and the answer to give.
    std::vector<json> wazzup_bodies;
    net::Response wazzup_answer = net::Response::json(201, R"({"messageId":"m-1","chatId":"c"})");
    net::HttpServer server;
    std::thread thread;

    LocalPortal()
        : server(io, net::ServerOptions{}, [this](net::Request&& r, net::Reply reply) {
              handle(std::move(r), std::move(reply));
          }) {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~LocalPortal() {
        boost::asio::post(io, [this] {
            for (auto& r : held)
                r(net::Response::json(200, R"({"result":null})"));
            server.stop();
            io.stop();
        });
        thread.join();
    }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
    std::string webhook() const {
        return "http://127.0.0.1:" + std::to_string(server.port()) + "/rest/1/s3cret/";
    }
    int count(const std::string& method) {
        std::lock_guard lock(mutex);
        return calls[method];
    }
    std::size_t task_count() {
        std::lock_guard lock(mutex);
        return tasks.size();
    }
    void add_lead(long long id, std::string modified, std::string semantic = "P") {
        std::lock_guard lock(mutex);
        leads.push_back({id, std::move(modified), std::move(semantic)});
    }

    void handle(net::Request&& req, net::Reply reply) {
        std::lock_guard lock(mutex);
        std::string prefix = "/rest/1/s3cret/";
        std::string path(req.path());
        if (path == "/v3/message") {
            wazzup_bodies.push_back(json::parse(req.body, nullptr, false));
            reply(wazzup_answer);
            return;
        }
        if (path.rfind(prefix, 0) != 0) {
            reply(net::Response::json(404, R"({"error":"NOT_FOUND"})"));
            return;
        }
        std::string method = path.substr(prefix.size());
        int n = ++requests;
        if (refuse)
            if (auto r = refuse(method, n)) {
                reply(std::move(*r));
                return;
            }
        json params = json::parse(req.body, nullptr, false);
        json body = method == "batch" ? batch(params) : single(method, params);
        body["time"] = {{"operating", 0.01}};
        if (withhold && withhold(method, n)) {
            held.push_back(std::move(reply));
            return;
        }
        reply(net::Response::json(200, body.dump()));
    }

    static long long number(const json& v) { return bitrix::testing::FakePortal::number(v); }

    json list_leads(const json& params) {
        json filter = params.value("filter", json::object());
        long long after = filter.contains(">ID") ? number(filter[">ID"]) : 0;
        json items = json::array();
        std::vector<const LeadRow*> rows;
        for (const auto& l : leads)
            rows.push_back(&l);
        std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->id < b->id; });
        for (const LeadRow* l : rows) {
            if (l->id <= after) continue;
            if (filter.contains(">DATE_MODIFY") &&
                !(l->modified > filter[">DATE_MODIFY"].get<std::string>()))
                continue;
            if (filter.contains("@ID") && std::find(filter["@ID"].begin(), filter["@ID"].end(),
                                                    std::to_string(l->id)) == filter["@ID"].end())
                continue;
            if (filter.contains("STATUS_SEMANTIC_ID") &&
                filter["STATUS_SEMANTIC_ID"] != l->semantic)
                continue;
            if (items.size() == 50) break;
            items.push_back({{"ID", std::to_string(l->id)},
                             {"DATE_MODIFY", l->modified},
                             {"TITLE", "Лид " + std::to_string(l->id)},
                             {"ASSIGNED_BY_ID", "7"}});
        }
        return {{"result", items}, {"total", 0}};
    }

    json single(const std::string& method, const json& params) {
        ++calls[method];
        if (method == "tasks.task.add") {
            long long id = 100 + static_cast<long long>(tasks.size()) + 1;
            tasks.push_back({id, params["fields"]});
            return {{"result", {{"task", {{"id", std::to_string(id)}}}}}};
        }
        if (method == "tasks.task.list") {
            json filter = params.value("filter", json::object());
            json found = json::array();
            for (const auto& t : tasks)
                if (!filter.contains("TITLE") || t.fields.value("TITLE", "") == filter["TITLE"])
                    found.push_back({{"id", std::to_string(t.id)},
                                     {"title", t.fields.value("TITLE", "")},
                                     {"description", t.fields.value("DESCRIPTION", "")},
                                     {"xmlId", t.fields.value("XML_ID", "")}});
            return {{"result", {{"tasks", found}}}, {"total", found.size()}};
        }
        if (method == "crm.lead.update") {
            lead_updates.push_back(params);
            return {{"result", true}};
        }
        if (method == "crm.lead.list") return list_leads(params);
        if (method == "voximplant.statistic.get")
            return {{"result", call_rows}, {"total", call_rows.size()}};
        if (method == "crm.deal.list" || method == "crm.activity.list")
            return {{"result", json::array()}, {"total", 0}};
        if (method == "crm.duplicate.findbycomm")
            return {{"result", params.value("type", "") == "PHONE" ? duplicates : json::array()}};
        if (method == "im.notify.system.add") return {{"result", calls[method]}};
        return {{"error", "ERROR_METHOD_NOT_FOUND"}, {"error_description", "Method not found!"}};
    }

    json batch(const json& params) {
        json results = json::object(), errors = json::object();
        for (auto& [key, cmd] : params["cmd"].items()) {
            std::string text = cmd.get<std::string>();
            auto q = text.find('?');
            json inner = net::decode_form(q == std::string::npos ? "" : text.substr(q + 1));
            if (inner.contains("filter"))
                for (auto& [k, v] : inner["filter"].items())
                    if (v.is_string())
                        v = bitrix::testing::FakePortal::resolve(v.get<std::string>(), results);
            json one = single(text.substr(0, q), inner);
            if (one.contains("error")) {
                errors[key] = one;
                if (params.value("halt", 0) == 1) break;
                continue;
            }
            results[key] = one["result"];
        }
        auto php = [](json m) { return m.empty() ? json::array() : m; };
        return {{"result", {{"result", php(results)}, {"result_error", php(errors)}}}};
    }
};

// An io_context on its own thread for the clients and the component under test.
struct IoThread {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~IoThread() {
        boost::asio::post(io, [this] { io.stop(); });
        thread.join();
    }
};

}  // namespace reglament::testing
