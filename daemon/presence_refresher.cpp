#include "daemon/presence_refresher.hpp"

#include <atomic>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bitrix/client.hpp"

namespace reglament::daemon {

namespace asio = boost::asio;
using nlohmann::json;

struct PresenceRefresher::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    bitrix::Client& bitrix;
    const Clock& clock;
    PortalPresence& presence;
    PresenceRefresherOptions options;
    PresenceRefresherHooks hooks;
    asio::steady_timer ticker;
    std::atomic<bool> running{false};
    bool refreshing = false;              // io thread only
    std::optional<TimePoint> last_start;  // io thread only

    // One refresh's answers, applied together once all are in.
    struct Round {
        std::vector<PortalUser> users;
        std::vector<std::pair<std::string, std::string>> timeman;
        std::size_t outstanding = 0;
        std::size_t failed = 0;
        std::string first_error;
    };

    Impl(asio::io_context& io_, bitrix::Client& b, const Clock& c, PortalPresence& p,
         PresenceRefresherOptions o, PresenceRefresherHooks h)
        : io(io_),
          bitrix(b),
          clock(c),
          presence(p),
          options(std::move(o)),
          hooks(std::move(h)),
          ticker(io_) {}

    void tick() {
        ticker.expires_after(options.tick);
        ticker.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) return;
            self->refresh_if_due();
            self->tick();
        });
    }

    void refresh_if_due() {
        if (!running || refreshing || options.user_ids.empty()) return;
        TimePoint now = clock.now();
        // A clock set back (manual clock) counts as due: the last answer may be from the future.
        if (last_start && now >= *last_start && now - *last_start < options.interval) return;
        last_start = now;
        refresh();
    }

    void refresh() {
        refreshing = true;
        auto round = std::make_shared<Round>();
        round->outstanding = options.user_ids.size() * (options.use_timeman ? 2 : 1);
        // Every call is queued before the first completes: the client sends them as one batch.
        for (const auto& id : options.user_ids) {
            bitrix.call("im.user.get", json{{"ID", id}}, bitrix::Idempotency::read,
                        [weak = weak_from_this(), round, id](bitrix::Result r) {
                            auto self = weak.lock();
                            if (!self) return;
                            auto user = r.ok() ? parse_im_user(r.result) : std::nullopt;
                            if (user && user->id == id)
                                round->users.push_back(std::move(*user));
                            else
                                self->failed(*round, "im.user.get", id, r);
                            self->answered(round);
                        });
            if (!options.use_timeman) continue;
            bitrix.call("timeman.status", json{{"USER_ID", id}}, bitrix::Idempotency::read,
                        [weak = weak_from_this(), round, id](bitrix::Result r) {
                            auto self = weak.lock();
                            if (!self) return;
                            auto status = r.ok() ? parse_timeman_status(r.result) : std::nullopt;
                            if (status)
                                round->timeman.emplace_back(id, std::move(*status));
                            else
                                self->failed(*round, "timeman.status", id, r);
                            self->answered(round);
                        });
        }
    }

    void failed(Round& round, const char* method, const std::string& id, const bitrix::Result& r) {
        if (round.failed++ > 0) return;
        round.first_error = std::string(method) + " for user " + id + ": " +
                            (r.error ? r.error->to_string() : "an answer without the user");
    }

    void answered(const std::shared_ptr<Round>& round) {
        if (--round->outstanding > 0) return;
        refreshing = false;
        if (!running) return;
        TimePoint now = clock.now();
        auto before = snapshot(now);
        for (const auto& user : round->users)
            presence.update(user);
        for (const auto& [id, status] : round->timeman)
            presence.update_timeman(id, status);
        bool changed = snapshot(now) != before;
        if (round->failed > 0)
            spdlog::warn(
                "presence: {} of the portal's answers about people failed (first: {}); their "
                "previous answers are kept",
                round->failed, round->first_error);
        if (changed) spdlog::info("presence: the portal's absences or active users changed");
        if (hooks.refreshed) hooks.refreshed(round->failed, changed);
    }

    std::vector<bool> snapshot(TimePoint at) const {
        std::vector<bool> out;
        for (const auto& id : options.user_ids)
            out.push_back(presence.allows(id, at));
        return out;
    }
};

PresenceRefresher::PresenceRefresher(boost::asio::io_context& io, bitrix::Client& bitrix,
                                     const Clock& clock, PortalPresence& presence,
                                     PresenceRefresherOptions options, PresenceRefresherHooks hooks)
    : impl_(std::make_shared<Impl>(io, bitrix, clock, presence, std::move(options),
                                   std::move(hooks))) {}

PresenceRefresher::~PresenceRefresher() {
    stop();
}

void PresenceRefresher::start() {
    impl_->running = true;
    asio::post(impl_->io, [impl = impl_] {
        impl->refresh_if_due();
        impl->tick();
    });
}

void PresenceRefresher::stop() {
    if (!impl_->running.exchange(false)) return;
    asio::post(impl_->io, [impl = impl_] { impl->ticker.cancel(); });
}

void PresenceRefresher::wake() {
    asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
        if (auto self = weak.lock()) self->refresh_if_due();
    });
}

void PresenceRefresher::update(PresenceRefresherOptions options) {
    asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_), o = std::move(options)]() mutable {
        auto self = weak.lock();
        if (!self) return;
        o.tick = self->options.tick;  // the ticker keeps its steady period
        self->options = std::move(o);
        self->last_start.reset();
        self->refresh_if_due();
    });
}

}  // namespace reglament::daemon
