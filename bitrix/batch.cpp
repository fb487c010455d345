#include "bitrix/batch.hpp"

#include "net/form.hpp"

namespace reglament::bitrix {

using nlohmann::json;

std::string command_string(std::string_view method, const json& params) {
    std::string query = params.is_object() ? net::encode_form(params) : std::string{};
    std::string out(method);
    if (!query.empty()) out += "?" + query;
    return out;
}

json batch_params(const std::vector<Command>& commands, bool halt) {
    json cmd = json::object();
    for (const auto& c : commands)
        cmd[c.key] = command_string(c.method, c.params);
    return json{{"halt", halt ? 1 : 0}, {"cmd", std::move(cmd)}};
}

bool batchable(std::string_view method) {
    if (iequals(method, "batch")) return false;
    for (std::string_view file_method : {"disk.", "upload", "download"})
        if (method.find(file_method) != std::string_view::npos) return false;
    return true;
}

std::vector<CommandOutcome> route_batch(const BatchEnvelope& batch,
                                        const std::vector<std::string>& keys) {
    std::vector<CommandOutcome> out(keys.size());
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto& key = keys[i];
        auto& o = out[i];
        if (auto t = batch.times.find(key); t != batch.times.end()) o.time = t->second;
        if (auto r = batch.results.find(key); r != batch.results.end()) {
            o.result = r->second;
            if (auto t = batch.totals.find(key); t != batch.totals.end()) o.total = t->second;
            if (auto n = batch.nexts.find(key); n != batch.nexts.end()) o.next = n->second;
        } else if (auto e = batch.errors.find(key); e != batch.errors.end()) {
            o.error = e->second;
        } else {
            missing.push_back(i);
        }
    }
    bool pair_by_position = missing.size() == batch.unkeyed_errors.size();
    for (std::size_t m = 0; m < missing.size(); ++m) {
        auto& o = out[missing[m]];
        if (pair_by_position) {
            o.error = batch.unkeyed_errors[m];
        } else {
            o.error =
                Error{std::string(codes::result_missing),
                      "the batch answer has neither a result nor an error for this command", 0};
        }
    }
    return out;
}

}  // namespace reglament::bitrix
