// Packing single calls into `batch` requests and routing the answers back (bitrix24.md §3).
// Keys are never numeric ("c17"): PHP turns sequential keys into JSON arrays. Inner params are
// PHP query strings ("filter[>ID]=5&select[]=ID") sent plain in the JSON body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/envelope.hpp"
#include "bitrix/error.hpp"

namespace reglament::bitrix {

inline constexpr std::size_t max_batch_commands = 50;

struct Command {
    std::string key;  // unique within a batch, non-numeric
    std::string method;
    nlohmann::json params = nlohmann::json::object();
};

// "crm.lead.list?filter%5B%3EID%5D=5&start=-1"; just the method when there are no params.
std::string command_string(std::string_view method, const nlohmann::json& params);

// {"halt": 0|1, "cmd": {key: command_string, ...}}
nlohmann::json batch_params(const std::vector<Command>& commands, bool halt);

// Methods that may not run inside a batch: batch itself (nested batch is forbidden since
// rest 24.0.0) and file transfer (ERROR_BATCH_METHOD_NOT_ALLOWED).
bool batchable(std::string_view method);

// "c1", "c2", ... for the life of a client, so a re-queued command gets a fresh key.
class CommandKeys {
  public:
    std::string next() { return "c" + std::to_string(++seq_); }

  private:
    std::uint64_t seq_ = 0;
};

// One command's share of a batch answer has the shape of a whole answer (result, total,
// next, time or an error); http_status is 0.
using CommandOutcome = Envelope;

// Results in the order of `keys`. A command with neither result nor keyed error gets the
// keyless `result_error` entry at the same position when their counts match (the only
// pairing the answer allows), otherwise BATCH_RESULT_MISSING.
std::vector<CommandOutcome> route_batch(const BatchEnvelope& batch,
                                        const std::vector<std::string>& keys);

}  // namespace reglament::bitrix
