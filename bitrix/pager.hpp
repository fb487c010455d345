// Streaming every item of a list method, as a sans-I/O state machine: `next_call()` says what
// to send, `on_result()` takes the answer and hands pages to a callback, so memory stays
// constant however long the list (bitrix24.md §4).
//
// Fast path (D settings/performance/huge-data.md): order by ID ascending, filter `>ID` = last
// seen id, `start=-1` (no COUNT). The first page goes alone; when it is full, each following
// HTTP request is a `batch` chain of up to 50 pages where command i filters on the last id of
// command i-1: `$result[p{i-1}][49][ID]` (legacy), `[items][49][id]` (crm.item.list),
// `[tasks][49][id]` (tasks.task.list). halt=1: a failed link stops the chain instead of running
// the next ones on the literal reference text (§3).
//
// Methods that cannot be ordered by ID (voximplant.statistic.get, ...) fall back to `start`
// paging: a first page for `total`, then batches of independent `start=50k` commands.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitrix/batch.hpp"
#include "bitrix/envelope.hpp"
#include "bitrix/retry.hpp"

namespace reglament::bitrix {

inline constexpr std::size_t page_size = 50;

enum class ListShape {
    legacy,  // result: [ {ID...} ]
    items,   // result: {items: [ {id...} ]}  crm.item.list, crm.stagehistory.list, ...
    tasks,   // result: {tasks: [ {id...} ]}  tasks.task.list
};

ListShape list_shape(std::string_view method);
// False for methods that reject or ignore an ID order (fast_bitrix24's exclusion list).
bool supports_id_order(std::string_view method);
// The items of one page, whatever the shape; an empty array when there are none.
const nlohmann::json& page_items(const nlohmann::json& result, ListShape shape);

struct ListRequest {
    std::string method;
    nlohmann::json filter = nlohmann::json::object();
    nlohmann::json select = nlohmann::json::array();
    nlohmann::json extra = nlohmann::json::object();  // e.g. {"entityTypeId": 2}
};

struct PagerCall {
    std::string method;  // the list method, or "batch"
    nlohmann::json params;
    std::vector<std::string> keys;  // batch command keys in page order; empty for a single call
};

// Called once per non-empty page, in order.
using PageSink = std::function<void(const nlohmann::json& items)>;

struct PagerStep {
    std::optional<Error> fatal;         // give up: the list cannot be completed
    std::chrono::milliseconds wait{0};  // before the next call (a retried page)
};

class ListPager {
  public:
    explicit ListPager(ListRequest request, std::size_t chain_length = max_batch_commands,
                       RetryPolicy policy = {});

    bool done() const { return done_; }
    bool fast_path() const { return fast_; }
    // What to send next. Only valid while !done().
    PagerCall next_call() const;
    // The parsed answer to the last next_call(); an envelope error counts as a failed page.
    PagerStep on_result(const Envelope& envelope, const PageSink& on_page);

    std::size_t items_seen() const { return items_; }
    std::size_t requests() const { return requests_; }
    std::optional<std::int64_t> total() const { return total_; }
    const std::string& request_method() const { return request_.method; }

  private:
    nlohmann::json page_params(std::optional<nlohmann::json> after_id, std::int64_t start) const;
    std::string id_reference(const std::string& previous_key) const;
    // Returns false to stop reading the rest of a batch.
    bool take_page(const nlohmann::json& result, const PageSink& on_page);
    PagerStep fail_page(const Error& error);

    ListRequest request_;
    ListShape shape_;
    bool fast_;
    std::size_t chain_length_;
    RetryPolicy policy_;
    std::string id_key_;      // "ID" or "id" in items
    std::string filter_key_;  // "filter" or "FILTER"
    std::string id_filter_;   // ">ID" or ">id"

    bool done_ = false;
    bool first_ = true;
    std::optional<std::string> last_id_;  // fast path
    std::int64_t next_start_ = 0;         // start paging
    std::optional<std::int64_t> total_;
    std::size_t items_ = 0;
    std::size_t requests_ = 0;
    int failures_ = 0;
    std::optional<Error> broken_;
};

}  // namespace reglament::bitrix
