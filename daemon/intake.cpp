#include "daemon/intake.hpp"

#include <atomic>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "bitrix/event.hpp"
#include "bitrix/redact.hpp"
#include "daemon/inbox_mapping.hpp"
#include "daemon/log_limiter.hpp"
#include "wazzup/webhook_intake.hpp"

namespace reglament::daemon {

namespace {

// Every POST of Bitrix24 is its own event (inbox_mapping.hpp): a process-unique id per
// delivery, random per start so ids of a restarted daemon never meet the old ones. Fixed-width
// hex, so one run's ids sort in arrival order and the inbox's unique index on the dedup key
// grows at one end instead of dirtying a page per event at random places.
std::string next_delivery_id() {
    static const std::string boot = [] {
        std::random_device random;
        return fnv1a64_hex(std::to_string((std::uint64_t{random()} << 32) ^ random()));
    }();
    static std::atomic<std::uint64_t> sequence{0};
    return boot + "-" + hex16(++sequence);
}

constexpr std::string_view kBitrixPath = "/hooks/bitrix";
constexpr std::string_view kWazzupPrefix = "/hooks/wazzup/";

using Count = std::function<void(std::string_view, std::string_view)>;

// Metrics must never break an answer: a throwing counter is swallowed.
void bump(const Count& count, std::string_view source, std::string_view outcome) {
    if (!count) return;
    try {
        count(source, outcome);
    } catch (const std::exception& e) {
        spdlog::error("intake: metrics counter failed: {}", e.what());
    }
}

// Text a sender controls (reasons quoting form keys, event names) as one short log line:
// no control characters to forge lines with, no token values, bounded length.
std::string loggable(std::string_view text) {
    std::string out = bitrix::redact_text(text.substr(0, 300));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    if (text.size() > 300) out += "...";
    return out;
}

// Everything a sender can cause many times goes through here: at most a burst of lines per
// kind and minute, then one line saying how many were left out (issue 19 §7: one Wazzup body
// with 10,000 unknown keys wrote 10,001 lines).
void limited(LogLimiter& limiter, std::string_view key, spdlog::level::level_enum level,
             const std::string& line) {
    if (auto left_out = limiter.allow(key))
        spdlog::log(level, "{}{}", line, left_out_suffix(*left_out));
}

net::Response plain(int status, std::string_view text) {
    return net::Response::text(status, std::string(text) + "\n");
}

net::Response method_not_allowed() {
    auto r = plain(405, "use POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
}

// What one request's events came to once the writer has answered for each of them.
struct Batch {
    std::mutex mutex;
    std::size_t remaining = 0;
    std::size_t inserted = 0;
    bool failed = false;
};

}  // namespace

Intake::Intake(store::InboxWriter& writer, const Clock& clock, IntakeSettings settings,
               std::function<void(std::string_view, std::string_view)> count)
    : writer_(writer),
      clock_(clock),
      count_(std::make_shared<const Count>(std::move(count))),
      settings_(std::make_shared<const IntakeSettings>(std::move(settings))) {}

void Intake::update(IntakeSettings settings) {
    auto next = std::make_shared<const IntakeSettings>(std::move(settings));
    std::lock_guard lock(mutex_);
    settings_ = std::move(next);
}

std::shared_ptr<const IntakeSettings> Intake::settings() const {
    std::lock_guard lock(mutex_);
    return settings_;
}

bool Intake::handle(net::Request& req, net::Reply& reply) {
    auto path = req.path();
    if (path == kBitrixPath) {
        handle_bitrix(req, reply);
        return true;
    }
    if (path.starts_with(kWazzupPrefix)) {
        handle_wazzup(req, path.substr(kWazzupPrefix.size()), reply);
        return true;
    }
    return false;
}

void Intake::handle_bitrix(const net::Request& req, const net::Reply& reply) {
    const Count& count = *count_;
    if (req.method != "POST") {
        bump(count, "bitrix", "malformed");
        reply(method_not_allowed());
        return;
    }
    if (req.body.size() > kBitrixBodyLimit) {
        limited(*limiter_, "bitrix.too_large", spdlog::level::warn,
                fmt::format("intake: bitrix event from {} refused (413): body of {} bytes",
                            req.remote, req.body.size()));
        bump(count, "bitrix", "too_large");
        reply(plain(413, "body over 256 KiB"));
        return;
    }
    auto parsed = bitrix::parse_event(req.body);
    // A body that came with a token is judged by it first: a forged one learns nothing of what
    // else is wrong with it. Without any token, a body that is not an event is malformed.
    const std::string& token = parsed.application_token;
    if ((parsed.event || !token.empty()) &&
        !bitrix::token_matches(settings()->application_token, token)) {
        // Names what came and from where, never the token that came with it.
        limited(
            *limiter_, "bitrix.auth", spdlog::level::warn,
            fmt::format("intake: bitrix {} from {} (domain {}) refused (401): {} application_token",
                        parsed.event ? loggable(parsed.event->name) : std::string("event"),
                        req.remote, parsed.event ? loggable(parsed.event->auth.domain) : "?",
                        token.empty() ? "missing" : "wrong"));
        bump(count, "bitrix", "rejected_auth");
        reply(plain(401, "wrong or missing auth[application_token]"));
        return;
    }
    if (!parsed.event) {
        const int status = parsed.too_large ? 413 : 400;
        std::string reason = loggable(parsed.error);
        limited(*limiter_, "bitrix.malformed", spdlog::level::warn,
                fmt::format("intake: bitrix event from {} refused ({}): {}", req.remote, status,
                            reason));
        bump(count, "bitrix", parsed.too_large ? "too_large" : "malformed");
        reply(plain(status, reason));
        return;
    }
    const bitrix::Event& ev = *parsed.event;
    auto event = inbox_event_from_bitrix(ev, next_delivery_id(), clock_.now());
    if (!event) {
        limited(*limiter_, "bitrix.ignored", spdlog::level::info,
                fmt::format("intake: bitrix {} (id '{}') ignored: not an entity the rules watch",
                            loggable(ev.name), loggable(ev.entity_id)));
        bump(count, "bitrix", "ignored");
        reply(plain(200, "ignored"));
        return;
    }
    std::string what = event->kind + " " + event->entity_key;
    writer_.submit(std::move(*event), [reply, count = count_, what = std::move(what)](
                                          const store::InboxWriter::Result& r) {
        // On the writer thread: must not throw (inbox_writer.hpp).
        try {
            if (!r.committed) {
                spdlog::error("intake: bitrix {} not stored (503): {}", loggable(what), r.error);
                bump(*count, "bitrix", "unavailable");
                reply(plain(503, "inbox unavailable, not stored"));
                return;
            }
            bool duplicate = r.append.outcome == store::AppendOutcome::duplicate;
            bump(*count, "bitrix", duplicate ? "duplicate" : "accepted");
            reply(plain(200, duplicate ? "duplicate" : "ok"));
        } catch (const std::exception& e) {
            spdlog::error("intake: answering bitrix {} failed: {}", loggable(what), e.what());
        }
    });
}

void Intake::handle_wazzup(const net::Request& req, std::string_view secret,
                           const net::Reply& reply) {
    // Log lines below name the remote and the reason, never req.target: it holds the secret.
    const Count& count = *count_;
    auto configured = settings();
    if (req.method != "POST") {
        // Without the secret the path does not exist, whatever the method.
        bool known = wazzup::secret_equal(secret, configured->wazzup_secret);
        bump(count, "wazzup", known ? "malformed" : "rejected_auth");
        reply(known ? method_not_allowed() : plain(404, "not found"));
        return;
    }
    auto decision = wazzup::decide_intake(secret, configured->wazzup_secret,
                                          req.header("Content-Type"), req.body);
    if (decision.status != 200 || !decision.body) {
        int status = decision.status == 200 ? 400 : decision.status;
        std::string reason = loggable(decision.reason);
        limited(*limiter_, "wazzup.refused", spdlog::level::warn,
                fmt::format("intake: wazzup webhook from {} refused ({}): {}", req.remote, status,
                            reason));
        bump(count, "wazzup",
             status == 404   ? "rejected_auth"
             : status == 413 ? "too_large"
                             : "malformed");
        reply(plain(status, status == 404 ? "not found" : reason));
        return;
    }
    const wazzup::WebhookBody& body = *decision.body;
    if (body.unknown_kind_count > 0) {
        std::string kinds;
        for (const auto& kind : body.unknown_kinds)
            kinds += (kinds.empty() ? "'" : ", '") + loggable(kind.substr(0, 40)) + "'";
        if (body.unknown_kind_count > body.unknown_kinds.size())
            kinds += " and " + std::to_string(body.unknown_kind_count - body.unknown_kinds.size()) +
                     " more";
        limited(*limiter_, "wazzup.kind", spdlog::level::info,
                "intake: wazzup webhook kinds not handled, acknowledged: " + kinds);
    }
    for (const auto& t : body.template_statuses)
        limited(*limiter_, "wazzup.template", spdlog::level::info,
                fmt::format("intake: wazzup template '{}' is now {}", loggable(t.name),
                            loggable(t.status)));
    // Issue 18 §7: the good items of the POST are kept and it is answered 200; each bad one is
    // logged with its reason and counted, never silently dropped.
    for (const auto& reason : body.rejected) {
        limited(*limiter_, "wazzup.item", spdlog::level::warn,
                fmt::format("intake: wazzup webhook from {}: item set aside: {}", req.remote,
                            loggable(reason)));
        bump(count, "wazzup", "item_rejected");
    }

    auto events = inbox_events_from_wazzup(body, clock_.now());
    if (events.empty()) {
        if (body.test) spdlog::info("intake: wazzup test request from {} answered", req.remote);
        bump(count, "wazzup", "ignored");
        reply(plain(200, "ok"));
        return;
    }
    // One submit per event, answered once the last has its outcome: all stored (or already
    // there) is 200; anything not stored is 503 and the sender may repeat the whole body,
    // whose stored part then collapses on the dedup keys.
    auto batch = std::make_shared<Batch>();
    batch->remaining = events.size();
    for (auto& event : events) {
        writer_.submit(
            std::move(event), [batch, reply, count = count_](const store::InboxWriter::Result& r) {
                try {
                    {
                        std::lock_guard lock(batch->mutex);
                        if (!r.committed) {
                            if (!batch->failed)
                                spdlog::error("intake: wazzup event not stored (503): {}", r.error);
                            batch->failed = true;
                        } else if (r.append.outcome == store::AppendOutcome::inserted) {
                            ++batch->inserted;
                        }
                        if (--batch->remaining > 0) return;
                    }
                    if (batch->failed) {
                        bump(*count, "wazzup", "unavailable");
                        reply(plain(503, "inbox unavailable, not stored"));
                        return;
                    }
                    bump(*count, "wazzup", batch->inserted > 0 ? "accepted" : "duplicate");
                    reply(plain(200, "ok"));
                } catch (const std::exception& e) {
                    spdlog::error("intake: answering a wazzup webhook failed: {}", e.what());
                }
            });
    }
}

}  // namespace reglament::daemon
