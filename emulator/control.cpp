// The control API under /_emulator/ (documented in emulator/README.md): scenario, clock,
// configuration, people's actions and read-back for assertions.
#include <algorithm>

#include "emulator/emulator.hpp"
#include "emulator/rest_error.hpp"
#include "emulator/values.hpp"
#include "net/form.hpp"

namespace reglament::emulator {

namespace {

net::Response reply(int status, const json& body) {
    return net::Response::json(status, body.dump());
}

bool flag(const json& b, const char* k, bool fallback) {
    auto it = b.find(k);
    return it == b.end() || !it->is_boolean() ? fallback : it->get<bool>();
}

Instant when(const json& b, const char* k, Instant fallback, int offset) {
    auto s = text_field(b, k);
    if (s.empty()) return fallback;
    auto t = parse_instant(s, offset);
    if (!t) throw std::invalid_argument(std::string(k) + " is not a date: " + s);
    return *t;
}

std::string digits(const std::string& s) {
    std::string d;
    for (char c : s)
        if (c >= '0' && c <= '9') d += c;
    return d;
}

}  // namespace

net::Response Emulator::control(const net::Request& request) {
    std::string path(request.path().substr(std::string_view("/_emulator/").size()));
    json body = json::object();
    if (!request.body.empty()) {
        body = json::parse(request.body, nullptr, false);
        if (body.is_discarded()) return reply(400, {{"error", "body is not JSON"}});
    }
    json query = request.query().empty() ? json::object() : net::decode_form(request.query());
    Instant now = clock.now();
    const std::string& m = request.method;
    try {
        if (path == "health") return reply(200, {{"ok", true}});
        if (path == "scenario" && m == "POST") {
            load_scenario(body);
            return reply(
                200,
                {{"ok", true}, {"leads", portal.leads.size()}, {"users", portal.users.size()}});
        }
        if (path == "clock") {
            if (m == "POST") {
                if (body.contains("now"))
                    clock.set(when(body, "now", now, portal.utc_offset_minutes),
                              flag(body, "freeze", true));
                if (body.contains("advance_ms"))
                    clock.advance(std::chrono::milliseconds(int_field(body, "advance_ms")));
                if (body.contains("advance_s"))
                    clock.advance(std::chrono::seconds(int_field(body, "advance_s")));
            }
            return reply(200, {{"now", portal.iso(clock.now())}, {"frozen", clock.frozen()}});
        }
        if (path == "config") {
            if (m == "POST") {
                if (body.contains("rate_burst") || body.contains("rate_drain"))
                    bucket.configure(body.value("rate_burst", bucket.burst()),
                                     body.value("rate_drain", bucket.drain()));
                if (body.contains("operating_limit_s"))
                    operating.set_limit(body["operating_limit_s"].get<double>());
                if (body.contains("access_ttl_s"))
                    oauth.access_ttl = std::chrono::seconds(int_field(body, "access_ttl_s"));
                if (body.contains("event_drop_share"))
                    events.drop_share = body["event_drop_share"].get<double>();
                if (body.contains("event_delay_share"))
                    events.delay_share = body["event_delay_share"].get<double>();
                if (body.contains("event_delay_ms"))
                    events.delay = std::chrono::milliseconds(int_field(body, "event_delay_ms"));
                if (body.contains("webhook_secret"))
                    options.webhook_secret = text_field(body, "webhook_secret");
                if (body.contains("application_token"))
                    events.auth.application_token = text_field(body, "application_token");
                if (body.contains("wazzup_key")) wazzup.api_key = text_field(body, "wazzup_key");
                if (body.contains("wazzup_echo"))
                    wazzup.echo_api_sends = flag(body, "wazzup_echo", true);
                if (body.contains("wazzup_sent_ms"))
                    wazzup.sent_after =
                        std::chrono::milliseconds(int_field(body, "wazzup_sent_ms"));
                if (body.contains("wazzup_delivered_ms"))
                    wazzup.delivered_after =
                        std::chrono::milliseconds(int_field(body, "wazzup_delivered_ms"));
                if (body.contains("wazzup_read_ms"))
                    wazzup.read_after =
                        std::chrono::milliseconds(int_field(body, "wazzup_read_ms"));
            }
            return reply(200, {{"rate_burst", bucket.burst()},
                               {"rate_drain", bucket.drain()},
                               {"operating_limit_s", operating.limit()},
                               {"access_ttl_s", oauth.access_ttl.count()},
                               {"event_drop_share", events.drop_share},
                               {"event_delay_share", events.delay_share},
                               {"event_delay_ms", events.delay.count()},
                               {"wazzup_echo", wazzup.echo_api_sends}});
        }
        if (path == "event-handlers") {
            if (m == "POST") {
                std::vector<std::string> names = body.value("events", std::vector<std::string>{});
                return reply(200, {{"id", events.add_handler(text_field(body, "url"), names)}});
            }
            if (m == "DELETE") events.handlers.clear();
            json arr = json::array();
            for (const auto& h : events.handlers)
                arr.push_back({{"id", h.id}, {"url", h.url}, {"events", h.events}});
            return reply(200, arr);
        }
        if (path == "faults") {
            if (m == "POST") {
                Fault f{text_field(body, "kind"), static_cast<int>(int_field(body, "count", -1)),
                        std::chrono::milliseconds(int_field(body, "delay_ms", 0)),
                        text_field(body, "location")};
                static const std::vector<std::string> kinds = {"500", "html", "slow", "drop",
                                                               "redirect"};
                if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end())
                    return reply(
                        400, {{"error", "kind must be one of 500, html, slow, drop, redirect"}});
                faults[text_field(body, "method", "*")] = f;
            }
            if (m == "DELETE") faults.clear();
            json o = json::object();
            for (const auto& [k, f] : faults)
                o[k] = {{"kind", f.kind},
                        {"remaining", f.remaining},
                        {"delay_ms", f.delay.count()},
                        {"location", f.location}};
            return reply(200, o);
        }
        if (path == "oauth/code" && m == "POST")
            return reply(200, {{"code", oauth.issue_code(int_field(body, "user_id", 1), now)},
                               {"client_id", oauth.client_id}});
        if (path == "oauth/tokens" && m == "POST")
            return reply(200, oauth.issue_tokens(int_field(body, "user_id", 1), now));
        if (path == "leads/generate" && m == "POST") {
            generate_leads(int_field(body, "count", 1000), now);
            return reply(200, {{"leads", portal.leads.size()}});
        }
        if (path.rfind("act/", 0) == 0 && m == "POST")
            return reply(200, act(path.substr(4), body, now));
        if (m == "GET") return reply(200, read_back(path, query));
        return reply(404, {{"error", "unknown control endpoint: " + m + " /_emulator/" + path}});
    } catch (const RestError& e) {
        return reply(400, {{"error", e.code}, {"error_description", e.description}});
    } catch (const std::exception& e) {
        return reply(400, {{"error", e.what()}});
    }
}

json Emulator::act(const std::string& what, const json& b, Instant now) {
    int off = portal.utc_offset_minutes;
    Id user = int_field(b, "user_id", options.webhook_user);
    json result;
    if (what == "lead") {  // a client leaves a lead (site form, call, messenger)
        json f = b.value("fields", json::object());
        if (b.contains("title")) f["TITLE"] = text_field(b, "title");
        if (b.contains("name")) f["NAME"] = text_field(b, "name");
        if (b.contains("source_id")) f["SOURCE_ID"] = text_field(b, "source_id");
        if (b.contains("assigned_by_id")) f["ASSIGNED_BY_ID"] = int_field(b, "assigned_by_id");
        if (b.contains("phone"))
            f["PHONE"] =
                json::array({{{"VALUE", text_field(b, "phone")}, {"VALUE_TYPE", "MOBILE"}}});
        if (b.contains("email"))
            f["EMAIL"] = json::array({{{"VALUE", text_field(b, "email")}, {"VALUE_TYPE", "WORK"}}});
        result = {{"id", portal.add_lead(f, int_field(b, "created_by", user), now).id}};
    } else if (what == "call" || what == "incoming-call") {
        // A manager calls (answered or not), or a client calls and is answered or missed.
        Call c;
        bool outgoing = what == "call";
        bool answered = flag(b, "answered", outgoing);
        c.call_type = outgoing ? 1 : 2;
        c.portal_user_id = user;
        c.duration = answered ? static_cast<int>(int_field(b, "duration", 60)) : 0;
        c.start = when(b, "start", now, off);
        c.failed_code = answered ? "200" : (outgoing ? "486" : "304");
        c.failed_reason = answered ? "Success call" : (outgoing ? "Busy here" : "Missed call");
        c.phone_number = text_field(b, "phone");
        if (Id lead = int_field(b, "lead_id")) {
            c.crm_entity_type = "LEAD";
            c.crm_entity_id = lead;
            if (const Lead* l = portal.find_lead(lead); l && c.phone_number.empty())
                for (const auto& mf : l->fm)
                    if (mf.type == 'P') {
                        c.phone_number = mf.value;
                        break;
                    }
        } else if (Id deal = int_field(b, "deal_id")) {
            c.crm_entity_type = "DEAL";
            c.crm_entity_id = deal;
        } else if (!c.phone_number.empty()) {
            auto d = digits(c.phone_number);
            for (const auto& l : portal.leads)
                for (const auto& mf : l.fm)
                    if (mf.type == 'P' && digits(mf.value) == d) {
                        c.crm_entity_type = "LEAD";
                        c.crm_entity_id = l.id;
                    }
        }
        const Call& made = portal.add_call(c, true, now);
        result = {
            {"call_id", made.call_id}, {"activity_id", made.crm_activity_id}, {"id", made.id}};
    } else if (what == "whatsapp") {  // a client writes on WhatsApp
        std::string chat = digits(text_field(b, "chat_id", text_field(b, "phone")));
        auto& msg = wazzup.client_writes(chat, text_field(b, "text"), text_field(b, "channel_id"),
                                         text_field(b, "name"), now);
        result = {{"messageId", msg.message_id}, {"chatId", chat}};
    } else if (what == "move-stage") {
        std::string entity = text_field(b, "entity", "lead");
        if (entity == "lead") {
            portal.update_lead(int_field(b, "id"), {{"STATUS_ID", text_field(b, "stage")}}, user,
                               now);
        } else {
            json f = {{"STAGE_ID", text_field(b, "stage")}};
            if (b.contains("category_id")) f["CATEGORY_ID"] = int_field(b, "category_id");
            portal.update_deal(int_field(b, "id"), f, user, now, b.contains("category_id"));
        }
        result = {{"ok", true}};
    } else if (what == "postpone-task") {
        portal.update_task(int_field(b, "task_id"), {{"DEADLINE", text_field(b, "deadline")}}, user,
                           now);
        result = {{"ok", true}};
    } else if (what == "complete-task") {  // closed without writing a comment
        portal.complete_task(int_field(b, "task_id"), user, now);
        result = {{"ok", true}};
    } else if (what == "edit") {
        std::string entity = text_field(b, "entity", "lead");
        json f = b.value("fields", json::object());
        if (entity == "lead")
            portal.update_lead(int_field(b, "id"), f, user, now);
        else if (entity == "deal")
            portal.update_deal(int_field(b, "id"), f, user, now, false);
        else if (entity == "task")
            portal.update_task(int_field(b, "id"), f, user, now);
        else
            throw std::invalid_argument("entity must be lead, deal or task");
        result = {{"ok", true}};
    } else if (what == "comment") {
        result = {
            {"id", portal
                       .add_timeline_comment(text_field(b, "entity", "lead"), int_field(b, "id"),
                                             text_field(b, "text"), user, now)
                       .id}};
    } else if (what == "task-comment") {
        result = {
            {"id",
             portal.add_task_comment(int_field(b, "task_id"), user, text_field(b, "text"), now)
                 .id}};
    } else if (what == "task") {
        result = {{"id", portal.add_task(b.value("fields", json::object()), user, now).id}};
    } else if (what == "wazzup-status") {
        wazzup.set_status(text_field(b, "message_id"), text_field(b, "status"),
                          text_field(b, "error"), now);
        result = {{"ok", true}};
    } else if (what == "channel-state") {
        // The channel's state changes on Wazzup's side (a phone logged out, a ban): the channel
        // list says so and a channelsUpdates webhook goes out (wazzup.md §4.5).
        wazzup.set_channel_state(text_field(b, "channel_id"), text_field(b, "state"), now);
        result = {{"ok", true}};
    } else if (what == "no-whatsapp") {
        wazzup.no_whatsapp.insert(digits(text_field(b, "chat_id", text_field(b, "phone"))));
        result = {{"ok", true}};
    } else if (what == "absence") {
        User* u = portal.find_user(user);
        if (!u) throw std::invalid_argument("no such user");
        u->absences.push_back({when(b, "from", now, off), when(b, "to", now, off),
                               text_field(b, "reason", "vacation")});
        result = {{"ok", true}};
    } else if (what == "user") {
        // A user dismissed (or taken back) by an administrator: user.get and im.user.get show
        // `active` false, as Bitrix24 does for a deactivated account.
        User* u = portal.find_user(user);
        if (!u) throw std::invalid_argument("no such user");
        if (!b.contains("active") || !b["active"].is_boolean())
            throw std::invalid_argument("active must be true or false");
        u->active = b["active"].get<bool>();
        result = {{"ok", true}};
    } else if (what == "timeman") {
        User* u = portal.find_user(user);
        if (!u) throw std::invalid_argument("no such user");
        u->timeman_status = text_field(b, "status", "OPENED");
        result = {{"ok", true}};
    } else {
        throw std::invalid_argument("unknown action: " + what);
    }
    flush_events(now);
    return result;
}

json Emulator::read_back(const std::string& what, const json& q) {
    Caller admin{options.webhook_user, "control"};
    auto list_all = [&](const std::string& method, json params) {
        return portal.execute(method, params, admin, clock.now()).result;
    };
    if (what == "rest-calls") {
        json recent = json::array();
        std::size_t limit = q.contains("limit") ? std::stoul(q["limit"].get<std::string>()) : 200;
        for (auto it = rest_log.rbegin(); it != rest_log.rend() && recent.size() < limit; ++it)
            recent.push_back({{"method", it->method},
                              {"status", it->status},
                              {"at", portal.iso(it->at)},
                              {"params", it->params}});
        return {{"counts", rest_counts}, {"recent", recent}};
    }
    if (what == "wazzup/sent" || what == "wazzup/messages") {
        json arr = json::array();
        for (const auto& m : wazzup.messages) {
            if (what == "wazzup/sent" && m.inbound) continue;
            arr.push_back({{"messageId", m.message_id},
                           {"channelId", m.channel_id},
                           {"chatType", m.chat_type},
                           {"chatId", m.chat_id},
                           {"text", m.text},
                           {"contentUri", m.content_uri},
                           {"crmMessageId", m.crm_message_id},
                           {"templateId", m.template_id},
                           {"templateValues", m.template_values},
                           {"inbound", m.inbound},
                           {"status", m.status},
                           {"error", m.error},
                           {"at", portal.iso(m.at)}});
        }
        return arr;
    }
    if (what == "notifications") {
        json arr = json::array();
        for (const auto& n : portal.notifications)
            arr.push_back({{"id", n.id},
                           {"kind", n.kind},
                           {"user_id", n.user_id},
                           {"from_user_id", n.from_user_id},
                           {"message", n.message},
                           {"tag", n.tag},
                           {"at", portal.iso(n.created)}});
        return arr;
    }
    if (what == "comments") {
        json timeline = json::array(), tasks = json::array();
        for (const auto& t : portal.timeline_comments)
            timeline.push_back({{"id", t.id},
                                {"entity_type", t.entity_type},
                                {"entity_id", t.entity_id},
                                {"author_id", t.author_id},
                                {"comment", t.comment},
                                {"pinned", t.pinned},
                                {"at", portal.iso(t.created)}});
        for (const auto& c : portal.task_comments)
            tasks.push_back({{"id", c.id},
                             {"task_id", c.task_id},
                             {"author_id", c.author_id},
                             {"message", c.message},
                             {"at", portal.iso(c.post_date)}});
        return {{"timeline", timeline}, {"tasks", tasks}};
    }
    if (what == "tasks") {
        json arr = json::array();
        std::int64_t start = 0;
        while (true) {
            auto r = portal.execute("tasks.task.list",
                                    {{"select", {"*", "UF_CRM_TASK", "XML_ID"}}, {"start", start}},
                                    admin, clock.now());
            for (auto& t : r.result["tasks"])
                arr.push_back(t);
            if (!r.next) break;
            start = *r.next;
        }
        return arr;
    }
    if (what == "stage-history")
        return {{"leads",
                 list_all("crm.stagehistory.list", {{"entityTypeId", 1}, {"start", -1}})["items"]},
                {"deals",
                 list_all("crm.stagehistory.list", {{"entityTypeId", 2}, {"start", -1}})["items"]}};
    if (what == "events") {
        json arr = json::array();
        for (const auto& r : events.log)
            arr.push_back({{"event", r.event},
                           {"data", r.data},
                           {"url", r.url},
                           {"fate", r.fate},
                           {"at", portal.iso(r.at)}});
        return {{"log", arr}, {"queued", events.queued()}, {"delivered", delivered_events}};
    }
    if (what == "activities")
        return list_all("crm.activity.list", {{"select", {"*", "COMMUNICATIONS"}}, {"start", -1}});
    if (what.rfind("leads/", 0) == 0) return list_all("crm.lead.get", {{"id", what.substr(6)}});
    if (what.rfind("deals/", 0) == 0) return list_all("crm.deal.get", {{"id", what.substr(6)}});
    if (what == "state")
        return {{"now", portal.iso(clock.now())},
                {"leads", portal.leads.size()},
                {"deals", portal.deals.size()},
                {"tasks", portal.tasks.size()},
                {"activities", portal.activities.size()},
                {"calls", portal.calls.size()},
                {"notifications", portal.notifications.size()},
                {"wazzup_messages", wazzup.messages.size()},
                {"events_queued", events.queued()},
                {"events_delivered", delivered_events}};
    throw std::invalid_argument("unknown read-back: " + what);
}

}  // namespace reglament::emulator
