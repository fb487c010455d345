#include "emulator/events.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/values.hpp"
#include "net/form.hpp"

namespace reglament::emulator {

std::int64_t EventHub::add_handler(std::string url, std::vector<std::string> events) {
    for (auto& e : events)
        for (auto& c : e)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    handlers.push_back({++next_id_, std::move(url), std::move(events)});
    return next_id_;
}

namespace {

// The scope the event belongs to, as its page's example shows it in auth[scope].
std::string scope_of(const std::string& event) {
    if (event.rfind("ONTASK", 0) == 0) return "task";
    if (event.rfind("ONVOXIMPLANT", 0) == 0) return "telephony";
    return "crm";
}

}  // namespace

std::string EventHub::form_body(const PortalEvent& e, std::int64_t handler_id, Instant ts) const {
    nlohmann::json body = {{"event", e.name},
                           {"event_handler_id", std::to_string(handler_id)},
                           {"data", e.data},
                           {"ts", std::to_string(static_cast<std::int64_t>(unix_seconds(ts)))},
                           {"auth",
                            {{"scope", scope_of(e.name)},
                             {"domain", auth.domain},
                             {"client_endpoint", auth.client_endpoint},
                             {"server_endpoint", auth.server_endpoint},
                             {"member_id", auth.member_id},
                             {"status", "L"},  // a local application (an outgoing webhook)
                             {"application_token", auth.application_token}}}};
    return net::encode_form(body);
}

void EventHub::publish(const PortalEvent& e, Instant now) {
    std::uniform_real_distribution<double> u(0, 1);
    for (const auto& h : handlers) {
        if (!h.events.empty() &&
            std::find(h.events.begin(), h.events.end(), e.name) == h.events.end())
            continue;
        Record rec{e.name, e.data, h.url, "queued", now};
        if (drop_share > 0 && u(rng_) < drop_share) {
            rec.fate = "dropped";
        } else {
            Instant due = now;
            if (delay_share > 0 && u(rng_) < delay_share) {
                due = now + delay;
                rec.fate = "delayed";
            }
            queue_.push_back({h.url, e.name, form_body(e, h.id, due), due});
        }
        log.push_back(std::move(rec));
        if (log.size() > 100000) log.pop_front();
    }
}

std::vector<EventDelivery> EventHub::take_due(Instant now) {
    return take_due_items(queue_, now);
}

}  // namespace reglament::emulator
