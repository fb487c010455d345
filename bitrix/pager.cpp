#include "bitrix/pager.hpp"

#include <algorithm>

#include "bitrix/fields.hpp"

namespace reglament::bitrix {

using nlohmann::json;

namespace {

// "p00".."p49": the JSON body's object keys come out sorted (nlohmann::json is a std::map)
// and the portal runs commands in body order, so p10 must not sort before p9.
std::string chain_key(std::size_t i) {
    std::string digits = std::to_string(i);
    return "p" + std::string(digits.size() < 2 ? 2 - digits.size() : 0, '0') + digits;
}

}  // namespace

ListShape list_shape(std::string_view method) {
    if (iequals(method, "tasks.task.list")) return ListShape::tasks;
    if (iequals(method, "crm.item.list") || iequals(method, "crm.stagehistory.list") ||
        iequals(method, "crm.item.productrow.list"))
        return ListShape::items;
    return ListShape::legacy;
}

bool supports_id_order(std::string_view method) {
    for (std::string_view m : {"voximplant.statistic.get", "crm.address.list",
                               "userfieldconfig.list", "crm.category.list", "event.offline.get"})
        if (iequals(method, m)) return false;
    return true;
}

const json& page_items(const json& result, ListShape shape) {
    static const json empty = json::array();
    if (shape == ListShape::legacy) return result.is_array() ? result : empty;
    const char* member = shape == ListShape::tasks ? "tasks" : "items";
    if (result.is_object()) {
        auto it = result.find(member);
        if (it != result.end() && it->is_array()) return *it;
    }
    return empty;
}

ListPager::ListPager(ListRequest request, std::size_t chain_length, RetryPolicy policy)
    : request_(std::move(request)),
      shape_(list_shape(request_.method)),
      fast_(supports_id_order(request_.method)),
      chain_length_(std::clamp<std::size_t>(chain_length, 1, max_batch_commands)),
      policy_(policy) {
    id_key_ = shape_ == ListShape::legacy ? "ID" : "id";
    // tasks.task.list filters and selects in UPPER_CASE but answers in camelCase (§6).
    std::string filter_id = shape_ == ListShape::items ? "id" : "ID";
    id_filter_ = ">" + filter_id;
    filter_key_ = iequals(request_.method, "voximplant.statistic.get") ? "FILTER" : "filter";
    if (!request_.filter.is_object()) request_.filter = json::object();
    if (!request_.extra.is_object()) request_.extra = json::object();
    if (fast_) {
        // A caller's own ">ID" is where the stream starts.
        if (auto it = request_.filter.find(id_filter_); it != request_.filter.end()) {
            if (auto text = text_field(request_.filter, {id_filter_})) last_id_ = *text;
            request_.filter.erase(it);
        }
        if (request_.select.is_array() && !request_.select.empty()) {
            bool has_id =
                std::any_of(request_.select.begin(), request_.select.end(), [&](const json& s) {
                    return s.is_string() && (iequals(s.get<std::string>(), filter_id) ||
                                             s.get<std::string>() == "*");
                });
            if (!has_id) request_.select.push_back(filter_id);
        }
    }
}

json ListPager::page_params(std::optional<json> after_id, std::int64_t start) const {
    json params = request_.extra;
    json filter = request_.filter;
    if (after_id) filter[id_filter_] = *after_id;
    if (!filter.empty()) params[filter_key_] = std::move(filter);
    if (request_.select.is_array() && !request_.select.empty()) params["select"] = request_.select;
    if (fast_) {
        std::string order_key = shape_ == ListShape::items ? "id" : "ID";
        params["order"] = json{{order_key, "ASC"}};
        params["start"] = -1;
    } else {
        params["start"] = start;
    }
    return params;
}

std::string ListPager::id_reference(const std::string& previous_key) const {
    std::string last = std::to_string(page_size - 1);
    switch (shape_) {
        case ListShape::items:
            return "$result[" + previous_key + "][items][" + last + "][id]";
        case ListShape::tasks:
            return "$result[" + previous_key + "][tasks][" + last + "][id]";
        case ListShape::legacy:
            break;
    }
    return "$result[" + previous_key + "][" + last + "][ID]";
}

PagerCall ListPager::next_call() const {
    PagerCall call;
    auto last = last_id_ ? std::optional<json>(*last_id_) : std::nullopt;
    if (first_) {
        call.method = request_.method;
        call.params = page_params(last, 0);
        return call;
    }
    std::vector<Command> commands;
    if (fast_) {
        for (std::size_t i = 0; i < chain_length_; ++i) {
            std::string key = chain_key(i);
            auto after = i == 0 ? last : std::optional<json>(id_reference(commands.back().key));
            commands.push_back({key, request_.method, page_params(after, -1)});
        }
    } else {
        std::int64_t start = next_start_;
        for (std::size_t i = 0; i < chain_length_; ++i, start += page_size) {
            if (total_ && start >= *total_) break;
            commands.push_back({chain_key(i), request_.method, page_params({}, start)});
            if (!total_) break;  // without a total only the next page is known to exist
        }
    }
    call.method = "batch";
    call.params = batch_params(commands, /*halt=*/fast_);
    for (const auto& c : commands)
        call.keys.push_back(c.key);
    return call;
}

bool ListPager::take_page(const json& result, const PageSink& on_page) {
    const json& items = page_items(result, shape_);
    if (!items.empty()) {
        on_page(items);
        items_ += items.size();
    }
    if (fast_) {
        if (!items.empty()) {
            auto id = text_field(items.back(), {id_key_});
            if (!id) {
                // Without the last id the next page cannot be asked for; stop loudly.
                broken_ = Error{"PAGER_NO_ID", "a page's last item has no " + id_key_, 0};
                done_ = true;
                return false;
            }
            last_id_ = *id;
        }
        if (items.size() < page_size) done_ = true;
    } else {
        next_start_ += static_cast<std::int64_t>(page_size);
        if (items.size() < page_size || (total_ && next_start_ >= *total_)) done_ = true;
    }
    return !done_;
}

PagerStep ListPager::fail_page(const Error& error) {
    ++failures_;
    auto decision = classify(error, Idempotency::read, failures_, policy_);
    if (decision.action != RetryAction::retry) {
        done_ = true;
        return {error, {}};
    }
    return {std::nullopt, decision.wait};
}

PagerStep ListPager::on_result(const Envelope& env, const PageSink& on_page) {
    ++requests_;
    if (!env.ok()) return fail_page(*env.error);
    if (first_) {
        first_ = false;
        failures_ = 0;
        if (!fast_) total_ = env.total;
        take_page(env.result, on_page);
        if (!fast_) {
            if (env.next) {
                next_start_ = *env.next;
            } else {
                done_ = true;  // `next` appears only when more items exist (§4)
            }
        }
        return {broken_, {}};
    }
    PagerCall call = next_call();  // the keys of the batch just answered
    auto outcomes = route_batch(parse_batch(env.result), call.keys);
    for (const auto& outcome : outcomes) {
        if (!outcome.ok()) return fail_page(*outcome.error);  // resume from the last page read
        failures_ = 0;
        if (!take_page(outcome.result, on_page)) break;
    }
    return {broken_, {}};
}

}  // namespace reglament::bitrix
