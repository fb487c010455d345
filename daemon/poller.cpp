#include "daemon/poller.hpp"

#include <atomic>
#include <exception>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"
#include "bitrix/datetime.hpp"
#include "bitrix/entities.hpp"
#include "bitrix/error.hpp"
#include "bitrix/event.hpp"
#include "daemon/inbox_mapping.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

const std::vector<PollTarget>& poll_targets() {
    // Field names per bitrix24.md §6: legacy crm.*.list answer in UPPER_CASE, tasks.task.list
    // filters and selects in UPPER_CASE but answers in camelCase.
    static const std::vector<PollTarget> targets{
        {"lead", "crm.lead.list", ">DATE_MODIFY", "DATE_MODIFY", "ID", "DATE_MODIFY",
         json{{"STATUS_SEMANTIC_ID", "P"}}, std::chrono::minutes(0)},
        {"deal", "crm.deal.list", ">DATE_MODIFY", "DATE_MODIFY", "ID", "DATE_MODIFY",
         json{{"CLOSED", "N"}}, std::chrono::minutes(0)},
        {"task", "tasks.task.list", ">CHANGED_DATE", "changedDate", "id", "CHANGED_DATE",
         json{{"!REAL_STATUS", 5}}, std::chrono::minutes(0)},
        {"activity", "crm.activity.list", ">LAST_UPDATED", "LAST_UPDATED", "ID", "LAST_UPDATED",
         nullptr, std::chrono::minutes(0)},
        {"call", "voximplant.statistic.get", ">CALL_START_DATE", "CALL_START_DATE", "CALL_ID", "",
         nullptr, std::chrono::hours(2)},
    };
    return targets;
}

namespace {

std::string listed_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

std::string watermark_key(const PollTarget& target) {
    return "poll:" + target.kind;
}

}  // namespace

std::optional<store::InboxEvent> poll_event(const PollTarget& target, const nlohmann::json& item,
                                            bool initial_sync, TimePoint received_at) {
    if (!item.is_object() || !item.contains(target.id_field)) return std::nullopt;
    std::string id = listed_text(item[target.id_field]);
    if (id.empty()) return std::nullopt;
    if (target.kind == "call") {
        bitrix::Event call;
        call.name = "ONVOXIMPLANTCALLEND";
        call.entity = bitrix::EntityType::call;
        call.entity_id = id;
        call.call = bitrix::call_from(item);
        return inbox_event_from_bitrix(call, "", received_at);
    }
    std::string modified =
        item.contains(target.modified_field) ? listed_text(item[target.modified_field]) : "";
    store::InboxEvent e;
    e.source = "poller";
    e.kind = "poll." + target.kind;
    e.entity_key = target.kind + ":" + id;
    e.dedup_key = "poll:" + target.kind + ":" + id + ":" + modified;
    e.payload = json{{"id", id}, {"modified", modified}, {"initial_sync", initial_sync}}.dump();
    e.received_at = received_at;
    return e;
}

struct Poller::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    store::Store& store;
    bitrix::Client& bitrix;
    const Clock& clock;
    PollerOptions options;
    PollerHooks hooks;
    asio::steady_timer timer;
    std::atomic<bool> running{false};
    bool polling = false;  // io thread only
    bool all_listed = true;
    bool told_unlisted = false;  // io thread only
    std::vector<std::function<void(bool)>> waiters;

    Impl(asio::io_context& io_, store::Store& s, bitrix::Client& b, const Clock& c, PollerOptions o,
         PollerHooks h)
        : io(io_), store(s), bitrix(b), clock(c), options(o), hooks(std::move(h)), timer(io_) {}

    // Per kind, for one poll.
    struct Pass {
        const PollTarget* target = nullptr;
        bool initial = false;
        TimePoint started{};
        std::optional<TimePoint> newest;
        std::string newest_text;  // the newest modification time as the portal wrote it
        std::size_t seen = 0;
        std::size_t appended = 0;
    };

    void poll(std::function<void(bool)> done) {
        if (done) waiters.push_back(std::move(done));
        if (polling) return;
        polling = true;
        all_listed = true;
        list(0);
    }

    void finish_poll() {
        polling = false;
        if (all_listed && hooks.polled) hooks.polled(clock.now());
        auto callbacks = std::move(waiters);
        waiters.clear();
        for (auto& f : callbacks)
            f(all_listed);
        if (running) arm();
    }

    void arm() {
        timer.expires_after(options.interval);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->running) return;
            self->poll({});
        });
    }

    void kind_failed(const PollTarget& target, const std::string& error) {
        all_listed = false;
        spdlog::warn("poller: cannot list {}: {}", target.method, error);
        if (hooks.failed) hooks.failed(target.kind, error);
    }

    void list(std::size_t index) {
        const auto& targets = poll_targets();
        if (index >= targets.size()) return finish_poll();
        auto pass = std::make_shared<Pass>();
        pass->target = &targets[index];
        pass->started = clock.now();
        const PollTarget& target = *pass->target;
        bitrix::ListRequest request{target.method, json::object(), json::array()};
        if (!target.select_modified.empty()) request.select = {"ID", target.select_modified};
        try {
            auto watermark = store.get_kv(watermark_key(target));
            auto since = watermark ? bitrix::parse_datetime(*watermark) : std::nullopt;
            if (since) {
                request.filter[target.modified_filter] =
                    bitrix::format_datetime(*since - options.overlap - target.lookback);
            } else if (options.initial_sync && !target.open_filter.is_null()) {
                pass->initial = true;
                request.filter = target.open_filter;
            } else {
                // Nothing to catch up on: changes from now on are what the poll looks for.
                store.put_kv(watermark_key(target), bitrix::format_datetime(pass->started));
                return list(index + 1);
            }
        } catch (const std::exception& e) {
            kind_failed(target, e.what());
            return list(index + 1);
        }
        auto self = shared_from_this();
        bitrix.list_all(
            std::move(request), [self, pass](const json& items) { self->take_page(*pass, items); },
            [self, pass, index](std::optional<bitrix::Error> error) {
                asio::post(self->io, [self, pass, index, error = std::move(error)] {
                    self->end_pass(*pass, error);
                    self->list(index + 1);
                });
            });
    }

    // Runs on the client's thread, one page at a time: memory stays one page.
    void take_page(Pass& pass, const json& items) {
        std::vector<store::InboxEvent> events;
        events.reserve(items.size());
        TimePoint now = clock.now();
        for (const json& item : items) {
            ++pass.seen;
            auto event = poll_event(*pass.target, item, pass.initial, now);
            if (!event) continue;
            std::string modified = listed_text(item.value(pass.target->modified_field, json()));
            if (auto t = bitrix::parse_datetime(modified);
                t && (!pass.newest || *t > *pass.newest)) {
                pass.newest = t;
                pass.newest_text = modified;
            }
            events.push_back(std::move(*event));
        }
        if (events.empty()) return;
        try {
            for (const auto& r : store.append_events(events))
                if (r.outcome == store::AppendOutcome::inserted) ++pass.appended;
        } catch (const std::exception& e) {
            // The watermark stays where it was, so the next poll lists these again.
            pass.newest.reset();
            pass.initial = false;
            all_listed = false;
            spdlog::error("poller: cannot store {} events: {}", pass.target->kind, e.what());
        }
    }

    void end_pass(Pass& pass, const std::optional<bitrix::Error>& error) {
        const PollTarget& target = *pass.target;
        if (hooks.items) hooks.items(target.kind, pass.seen, pass.appended);
        if (error && target.kind == "call" && bitrix::fault_of(*error) == bitrix::Fault::refused) {
            // A webhook without the telephony scope: calls come only as events then. Said once;
            // the poll is no less complete for what the portal will never list.
            if (!std::exchange(told_unlisted, true))
                spdlog::warn(
                    "poller: the portal refuses {} ({}); calls whose event is lost "
                    "cannot be recovered (grant the webhook the telephony scope)",
                    target.method, error->to_string());
            return;
        }
        if (error) return kind_failed(target, error->to_string());
        try {
            if (pass.initial)
                store.put_kv(watermark_key(target), bitrix::format_datetime(pass.started));
            else if (pass.newest)
                store.put_kv(watermark_key(target), pass.newest_text);
        } catch (const std::exception& e) {
            kind_failed(target, e.what());
        }
        if (pass.appended > 0)
            spdlog::info("poller: {} {} changes ({} listed)", pass.appended, target.kind,
                         pass.seen);
    }
};

Poller::Poller(boost::asio::io_context& io, store::Store& store, bitrix::Client& bitrix,
               const Clock& clock, PollerOptions options, PollerHooks hooks)
    : impl_(std::make_shared<Impl>(io, store, bitrix, clock, options, std::move(hooks))) {}

Poller::~Poller() {
    stop();
}

void Poller::start() {
    impl_->running = true;
    asio::post(impl_->io, [impl = impl_] { impl->poll({}); });
}

void Poller::stop() {
    if (!impl_->running.exchange(false)) return;
    asio::post(impl_->io, [impl = impl_] { impl->timer.cancel(); });
}

void Poller::poll_now(std::function<void(bool)> done) {
    asio::post(impl_->io, [impl = impl_, done = std::move(done)]() mutable {
        impl->timer.cancel();
        impl->poll(std::move(done));
    });
}

}  // namespace reglament::daemon
