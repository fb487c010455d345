// A tiny in-memory Bitrix24 portal for the client's tests (until the emulator lands): list
// pages with `>ID`/`start`, get/add/update of leads, and `batch` with `$result[...]`
// substitution, answering the way bitrix24.md §1-§4 describe. The reference text stays literal
// when it cannot be resolved, as on the real portal.
#pragma once

#include <cstdlib>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/pager.hpp"
#include "net/form.hpp"

namespace reglament::bitrix::testing {

using nlohmann::json;

struct FakePortal {
    explicit FakePortal(int n, ListShape s = ListShape::legacy, int fail = -1,
                        std::string code = "INTERNAL_SERVER_ERROR")
        : count(n), shape(s), fail_command_once(fail), fail_code(std::move(code)) {}

    int count = 0;
    ListShape shape = ListShape::legacy;
    int fail_command_once = -1;  // index of a batch command to fail with an error, once
    std::string fail_code;
    int http_requests = 0;
    int adds = 0;
    std::vector<std::string> methods_called;

    json item(int id) const {
        if (shape == ListShape::legacy)
            return {{"ID", std::to_string(id)}, {"TITLE", "L" + std::to_string(id)}};
        return {{"id", id}, {"title", "T" + std::to_string(id)}};
    }

    json wrap(json items) const {
        if (shape == ListShape::items) return {{"items", std::move(items)}};
        if (shape == ListShape::tasks) return {{"tasks", std::move(items)}};
        return items;
    }

    static long long number(const json& v) {
        return v.is_string()   ? std::atoll(v.get<std::string>().c_str())
               : v.is_number() ? v.get<long long>()
                               : 0;
    }

    // {result, total, next-or-null}; a "$result[...]" filter reads as 0, as PHP would.
    std::tuple<json, json, json> page(const json& params) const {
        long long after = 0;
        for (const char* fk : {"filter", "FILTER"})
            if (params.contains(fk))
                for (const char* k : {">ID", ">id"})
                    if (params[fk].contains(k)) after = number(params[fk][k]);
        long long start = params.contains("start") ? number(params["start"]) : 0;
        json items = json::array();
        long long skip = start > 0 ? start : 0;
        for (int id = static_cast<int>(after) + 1; id <= count && items.size() < 50; ++id) {
            if (skip > 0) {
                --skip;
                continue;
            }
            items.push_back(item(id));
        }
        json total = start == -1 ? json(0) : json(count - after);
        json next = nullptr;
        if (start != -1 && start + 50 < count - after) next = start + 50;
        return {wrap(items), total, next};
    }

    static json resolve(const std::string& text, const json& results) {
        static const std::regex ref(R"(^\$result\[([^\]]+)\]((?:\[[^\]]+\])*)$)");
        static const std::regex seg(R"(\[([^\]]+)\])");
        std::smatch m;
        if (!std::regex_match(text, m, ref)) return text;
        auto it = results.find(m[1].str());
        if (it == results.end()) return text;
        const json* node = &*it;
        std::string path = m[2].str();
        for (std::sregex_iterator s(path.begin(), path.end(), seg), e; s != e; ++s) {
            std::string k = (*s)[1].str();
            if (node->is_array()) {
                std::size_t i = std::stoul(k);
                if (i >= node->size()) return text;
                node = &(*node)[i];
            } else if (node->is_object() && node->contains(k)) {
                node = &(*node)[k];
            } else {
                return text;
            }
        }
        return node->is_string() ? *node : json(node->dump());
    }

    // One method's envelope (without `time`).
    json single(const std::string& method, const json& params) {
        methods_called.push_back(method);
        if (method.size() > 5 &&
            (method.substr(method.size() - 5) == ".list" || method == "voximplant.statistic.get")) {
            auto [result, total, next] = page(params);
            json body = {{"result", result}, {"total", total}};
            if (!next.is_null()) body["next"] = next;
            return body;
        }
        if (method == "crm.lead.get") {
            long long id = params.contains("id") ? number(params["id"]) : 0;
            if (id < 1 || id > count) return {{"error", ""}, {"error_description", "Not found"}};
            return {{"result", item(static_cast<int>(id))}};
        }
        if (method == "crm.lead.add") return {{"result", count + ++adds}};
        if (method == "crm.lead.update") return {{"result", true}};
        return {{"error", "ERROR_METHOD_NOT_FOUND"}, {"error_description", "Method not found!"}};
    }

    json batch(const json& params) {
        json results = json::object(), errors = json::object(), totals = json::object(),
             nexts = json::object(), times = json::object();
        int index = 0;
        bool halt = params.value("halt", 0) == 1;
        // nlohmann::json iterates keys sorted, which is also the order the client's
        // zero-padded keys were written in.
        for (auto& [key, cmd] : params["cmd"].items()) {
            std::string text = cmd.get<std::string>();
            auto q = text.find('?');
            json inner = net::decode_form(q == std::string::npos ? "" : text.substr(q + 1));
            for (const char* fk : {"filter", "FILTER"})
                if (inner.contains(fk))
                    for (auto& [k, v] : inner[fk].items())
                        if (v.is_string()) v = resolve(v.get<std::string>(), results);
            if (index++ == fail_command_once) {
                fail_command_once = -1;
                errors[key] = {{"error", fail_code}, {"error_description", "boom"}};
                if (halt) break;
                continue;
            }
            json one = single(text.substr(0, q), inner);
            if (one.contains("error")) {
                errors[key] = one;
                if (halt) break;
                continue;
            }
            results[key] = one["result"];
            if (one.contains("total")) totals[key] = one["total"];
            if (one.contains("next")) nexts[key] = one["next"];
            times[key] = {{"operating", 0.01}};
        }
        auto php = [](json m) { return m.empty() ? json::array() : m; };
        return {{"result",
                 {{"result", php(results)},
                  {"result_error", php(errors)},
                  {"result_total", php(totals)},
                  {"result_next", php(nexts)},
                  {"result_time", php(times)}}}};
    }

    std::string answer(const std::string& method, const json& params) {
        ++http_requests;
        json body = method == "batch" ? batch(params) : single(method, params);
        body["time"] = {{"operating", 0.1}};
        return body.dump();
    }

    std::string answer(const PagerCall& call) { return answer(call.method, call.params); }
};

}  // namespace reglament::bitrix::testing
