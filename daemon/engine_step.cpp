#include "daemon/engine_step.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/call_log.hpp"
#include "daemon/entity_model.hpp"
#include "daemon/footprints.hpp"
#include "daemon/send_refusal.hpp"
#include "rules/iso_time.hpp"
#include "rules/lead/common.hpp"
#include "rules/phone.hpp"
#include "wazzup/delivery_status.hpp"
#include "wazzup/unknown_send.hpp"

namespace reglament::daemon {

using nlohmann::json;
using rules::EntityRef;
using rules::EventKind;

namespace {

bool project(rules::Entity& entity, const std::vector<rules::Action>& actions);

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

json parse_payload(const store::StoredEvent& e) {
    if (e.event.payload.empty()) return json::object();
    json j = json::parse(e.event.payload, nullptr, false);
    return j.is_discarded() ? json::object() : j;
}

// The kind an entity change has for the rules, from the source's name.
EventKind change_kind(const std::string& name) {
    if (ends_with(name, "DELETE")) return EventKind::deleted;
    if (name.rfind("ONTASKCOMMENT", 0) == 0) return EventKind::comment_added;
    if (ends_with(name, "ADD")) return EventKind::created;
    return EventKind::updated;
}

bool is_entity_change(const store::StoredEvent& e) {
    const auto& src = e.event.source;
    if (src == "poller") return true;
    if (src != "bitrix") return false;
    const auto& k = e.event.kind;
    return k != "ONVOXIMPLANTCALLEND";
}

bool empty_entity(const rules::Entity& e) {
    return std::holds_alternative<std::monostate>(e);
}

std::optional<rules::Call> call_of(const json& payload) {
    if (!payload.contains("call") || !payload["call"].is_object()) return std::nullopt;
    try {
        return payload["call"].get<rules::Call>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<rules::ChatMessage> message_of(const json& payload) {
    try {
        return payload.get<rules::ChatMessage>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

std::optional<CallTarget> call_target_of(const store::StoredEvent& e, const CallTargets& targets) {
    if (e.event.source != "bitrix" || e.event.kind != "ONVOXIMPLANTCALLEND") return std::nullopt;
    if (auto it = targets.find(e.id); it != targets.end()) return it->second;
    // Not resolved by the engine (a step built without the portal): what the payload names.
    auto call = call_of(parse_payload(e));
    if (call && call->crm_entity_type == "LEAD" && !call->crm_entity_id.empty())
        return CallTarget::of_lead(call->crm_entity_id);
    return CallTarget{};
}

bool is_readable_type(const std::string& type) {
    return type == "lead" || type == "deal" || type == "task" || type == "activity" ||
           type == "timeline_comment";
}

std::vector<EntityRef> reads_needed(std::span<const store::StoredEvent> events, store::Store& store,
                                    const CallTargets& targets) {
    std::vector<EntityRef> out;
    std::set<std::string> seen;
    auto want = [&](const EntityRef& ref) {
        if (is_readable_type(ref.type) && seen.insert(ref.key()).second) out.push_back(ref);
    };
    for (const auto& e : events) {
        if (is_entity_change(e)) {
            try {
                want(EntityRef::parse(e.event.entity_key));
            } catch (const std::invalid_argument&) {
            }
            continue;
        }
        // A call for a lead the daemon has not seen yet (its ADD event is later in the
        // backlog, or was lost): read it, so the call is not dropped for want of its lead.
        auto target = call_target_of(e, targets);
        if (target && target->kind == CallTarget::Kind::lead &&
            !store.get_snapshot("lead:" + target->lead_id))
            want({"lead", target->lead_id});
    }
    return out;
}

std::vector<std::string> histories_needed(std::span<const store::StoredEvent> events,
                                          const Reads& reads, store::Store& store) {
    std::set<std::string> deals;
    for (const auto& e : events) {
        if (!is_entity_change(e) || e.event.entity_key.rfind("deal:", 0) != 0) continue;
        if (e.event.source == "poller" && parse_payload(e).value("initial_sync", false)) continue;
        deals.insert(e.event.entity_key);
    }
    std::vector<std::string> out;
    for (const auto& key : deals) {
        auto read = reads.find(key);
        if (read == reads.end()) continue;
        const auto* deal = std::get_if<rules::Deal>(&read->second);
        if (!deal) continue;
        rules::Entity known = std::monostate{};
        if (auto snap = store.get_snapshot(key)) {
            try {
                known = entity_from_snapshot(EntityRef::parse(key), snap->json);
            } catch (const std::invalid_argument&) {
                // Unreadable: as good as none, and the history tells what it cannot.
            }
        }
        if (stage_history_wanted(known, *deal)) out.push_back(EntityRef::parse(key).id);
    }
    return out;
}

StepBuilder::StepBuilder(store::Store& store, const rules::World& world, const RuleSet& rules,
                         TimePoint now, bool global_dry_run)
    : store_(store),
      world_(world, histories_, comments_, *this),
      calendar_(*rules.calendar),
      rules_(rules),
      now_(now),
      global_dry_run_(global_dry_run) {
    for (const auto& slot : rules.slots)
        for (auto& id : slot.rule->exit_status_ids())
            exit_status_ids_.insert(std::move(id));
}

const rules::Footprint& StepBuilder::footprint_of(const std::string& entity_key) const {
    if (auto it = footprints_.find(entity_key); it != footprints_.end()) return it->second;
    rules::Footprint f;
    if (auto kept = store_.get_kv(std::string(footprint_kv_prefix) + entity_key)) {
        json j = json::parse(*kept, nullptr, false);
        if (j.is_object()) {
            try {
                f = j.get<rules::Footprint>();
            } catch (const std::exception&) {
                // Unreadable: as good as none; the next write replaces it.
            }
        }
    }
    return footprints_.emplace(entity_key, std::move(f)).first->second;
}

void StepBuilder::mark(rules::Lead& lead) const {
    lead.out_of_process = exit_status_ids_.count(lead.status_id) > 0;
}

void StepBuilder::mark(rules::Entity& entity) const {
    if (auto* lead = std::get_if<rules::Lead>(&entity)) mark(*lead);
}

// The daemon's writes still in the outbox (an earlier step decided them, the portal has not
// carried them out): a timer or a call judged now must see L5's «2. Взят в работу» as made,
// not escalate the lead for a status the daemon itself is setting.
rules::Entity StepBuilder::with_own_writes(const std::string& key, rules::Entity entity,
                                           TimePoint known_at) {
    if (global_dry_run_ || empty_entity(entity)) return entity;
    auto it = own_writes_.find(key);
    if (it == own_writes_.end()) {
        std::vector<rules::Action> writes;
        for (const auto& open : store_.own_actions_of(key, known_at)) {
            if (open.action.kind != "lead.update" && open.action.kind != "deal.update" &&
                open.action.kind != "deal.move")
                continue;
            json payload = json::parse(open.action.payload, nullptr, false);
            if (!payload.is_object() || !payload.contains("params")) continue;
            rules::Action a;
            a.kind = open.action.kind;
            a.params = payload["params"];
            writes.push_back(std::move(a));
        }
        it = own_writes_.emplace(key, std::move(writes)).first;
    }
    if (project(entity, it->second)) mark(entity);
    return entity;
}

rules::Entity StepBuilder::current(const EntityRef& ref, const Reads& reads) {
    const std::string key = ref.key();
    if (auto it = projected_.find(key); it != projected_.end()) return it->second;
    // Read this step: what the portal carried out is in it already.
    if (auto it = entities_.find(key); it != entities_.end())
        return with_own_writes(key, it->second, now_);
    if (erased_.count(key)) return std::monostate{};
    if (auto snap = store_.get_snapshot(key))
        return with_own_writes(key, entity_from_snapshot(ref, snap->json), snap->updated_at);
    // No snapshot yet: what was read for this step is the first sight, keep it.
    if (auto it = reads.find(key); it != reads.end()) {
        if (!empty_entity(it->second)) remember(ref, it->second);
        return it->second;
    }
    return std::monostate{};
}

void StepBuilder::remember(const EntityRef& ref, const rules::Entity& entity) {
    const std::string key = ref.key();
    entities_[key] = entity;
    if (empty_entity(entity)) {
        snapshots_.erase(key);
        erased_.insert(key);
        if (ref.type == "deal") {
            const auto history = stage_history_key(ref.id);
            snapshots_.erase(history);
            erased_.insert(history);
            histories_.erase(ref.id);
        }
        return;
    }
    erased_.erase(key);
    snapshots_[key] = snapshot_of(ref, entity, now_);
}

void StepBuilder::add_event(const store::StoredEvent& stored, const Reads& reads) {
    ++counts_.events;
    commit_.done_event_ids.push_back(stored.id);
    const auto& in = stored.event;
    json payload = parse_payload(stored);

    EntityRef ref;
    try {
        ref = EntityRef::parse(in.entity_key);
    } catch (const std::invalid_argument&) {
        spdlog::warn("engine: event {} has no usable entity ({}), dropped", stored.id,
                     in.entity_key);
        return;
    }
    rules::Event ev;
    ev.name = in.kind;
    ev.entity = ref;
    ev.at = in.received_at;
    if (payload.contains("ts") && payload["ts"].is_string())
        if (auto ts = parse_iso8601(payload["ts"].get<std::string>())) ev.at = *ts;

    if (is_entity_change(stored)) {
        auto fresh = reads.find(ref.key());
        if (fresh == reads.end()) return;  // not a type the rules watch
        const std::string key = ref.key();
        rules::Entity before = std::monostate{};
        if (auto it = entities_.find(key); it != entities_.end())
            before = it->second;
        else if (!erased_.count(key))
            if (auto snap = store_.get_snapshot(key))
                before = entity_from_snapshot(ref, snap->json);
        const rules::Entity& after = fresh->second;
        bool initial_sync = in.source == "poller" && payload.value("initial_sync", false);
        remember(ref, after);
        if (empty_entity(before) && empty_entity(after)) return;
        if (empty_entity(after)) {
            ev.kind = EventKind::deleted;
        } else if (empty_entity(before)) {
            if (initial_sync) return;  // the snapshot is all the initial sync wants
            // Closed long ago and forgotten by retention: it is back, but not new. Like an
            // entity of before the first start, its snapshot is all this event gives; sweeps
            // and its next changes go to the rules.
            if (store_.was_forgotten(key)) return;
            ev.kind = EventKind::created;
        } else {
            ev.kind = in.source == "poller" ? EventKind::updated : change_kind(in.kind);
            if (ev.kind == EventKind::created) ev.kind = EventKind::updated;
            if (ev.kind == EventKind::deleted) ev.kind = EventKind::updated;  // it still exists
            if (ev.kind == EventKind::updated && same_entity(before, after)) {
                ++counts_.unchanged;
                return;
            }
            if (ev.kind == EventKind::updated)
                ev.by_daemon = own_change(before, after, footprint_of(key));
        }
        decide(ev, before, after, "");
        return;
    }

    if (in.source == "timer") {
        ev.kind = EventKind::timer;
        ev.timer_purpose = payload.value("purpose", "");
        ev.timer_payload = payload.value("payload", json::object());
        if (payload.contains("due_at") && payload["due_at"].is_number_integer())
            ev.at = TimePoint(std::chrono::milliseconds(payload["due_at"].get<std::int64_t>()));
        rules::Entity now_entity = current(ref, reads);
        decide(ev, now_entity, now_entity, payload.value("rule_id", ""));
        return;
    }
    if (in.kind == "lookup.duplicates") {
        ev.kind = EventKind::updated;
        ev.result = payload.value("result", json::object());
        rules::Entity now_entity = current(ref, reads);
        decide(ev, now_entity, now_entity, payload.value("rule_id", ""));
        return;
    }
    if (in.kind == "wazzup.message") {
        auto m = message_of(payload);
        // The echo of a message we sent (a template of L5 or a cadence) is news about its
        // delivery, with `status: error` when it failed, and not a manager's answer to H5.
        if (m && !m->inbound && add_own_message_status(*m, ev, reads)) return;
        if (m && !m->inbound && claim_echo(*m, payload.value("type", ""), ev, reads)) return;
    }
    if (in.kind == "ONVOXIMPLANTCALLEND" || in.kind == "wazzup.message") {
        bool call = in.kind == "ONVOXIMPLANTCALLEND";
        ev.kind = call ? EventKind::call_ended : EventKind::chat_message;
        const std::string lead_id = lead_for(stored, payload, reads);
        if (call) {
            ev.call = call_of(payload);
            if (ev.call && ev.call->start) ev.at = *ev.call->start;
            if (ev.call && !lead_id.empty()) keep_call(*ev.call, {lead_id});
        } else {
            ev.message = message_of(payload);
            if (ev.message && ev.message->at) ev.at = *ev.message->at;
        }
        if (lead_id.empty()) return;
        EntityRef lead{"lead", lead_id};
        ev.entity = lead;
        rules::Entity e = current(lead, reads);
        if (!empty_entity(e)) decide(ev, e, e, "");
        return;
    }
    if (in.kind == "wazzup.status") {
        if (auto m = message_of(payload)) add_own_message_status(*m, ev, reads);
        return;
    }
    if (in.kind == "wazzup.send_failed") {
        ev.kind = EventKind::chat_status;
        rules::ChatMessage m;
        m.status = "error";
        m.error_code = payload.value("code", "");
        if (m.error_code == "CHANNEL_NOT_ACTIVE")
            tell_channel_down(ref, payload.value("channel_state", ""));
        tell_send_refused(ref, m.error_code, payload.value("template", ""),
                          payload.value("action_key", std::to_string(stored.id)), reads);
        ev.entity = ref;
        ev.message = m;
        rules::Entity e = current(ref, reads);
        decide(ev, e, e, "");
        return;
    }
    // Wazzup says a channel changed state: the client re-reads the channels (engine.hpp hook).
    if (in.kind == "wazzup.channel") ++counts_.channel_updates;
    // Kinds no rule reads: done, nothing to decide.
}

// An echo whose messageId the outbox never learnt (the answer to the send was lost): kept for
// the outbox, which decides an unanswered send by it, and, when it shows a send of ours, taken
// as ours from now on (wazzup/unknown_send.hpp).
bool StepBuilder::claim_echo(const rules::ChatMessage& m, const std::string& type,
                             const rules::Event& ev, const Reads& reads) {
    if (m.message_id.empty() || m.channel_id.empty() || m.chat_id.empty()) return false;
    const bool is_template = type == "wapi_template";
    const auto fingerprint = wazzup::echo_fingerprint(m.channel_id, m.chat_id, m.text, is_template);
    const TimePoint at = m.at.value_or(ev.at);
    const auto at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    commit_.kv_puts.emplace_back("wazzup.echo:" + fingerprint,
                                 json{{"message_id", m.message_id}, {"at", at_ms}}.dump());
    auto sending = store_.get_kv("wazzup.sending:" + fingerprint);
    if (!sending) return false;
    json where = json::parse(*sending, nullptr, false);
    if (!where.is_object() || !where.contains("first_at") || !where["first_at"].is_number_integer())
        return false;
    TimePoint first(std::chrono::milliseconds(where["first_at"].get<std::int64_t>()));
    if (!wazzup::echo_matches(first, at)) return false;
    json sent{
        {"entity_key", where.value("entity_key", "")},
        {"rule_id", where.value("rule_id", "")},
        {"template", where.value("template", "")},
        // retention forgets the mark after [store] keep_marks_days
        {"at",
         std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count()}};
    claimed_[m.message_id] = sent.dump();
    commit_.kv_puts.emplace_back("wazzup.sent:" + m.message_id, sent.dump());
    return add_own_message_status(m, ev, reads);
}

bool StepBuilder::add_own_message_status(rules::ChatMessage m, rules::Event ev,
                                         const Reads& reads) {
    const std::string sent_key = "wazzup.sent:" + m.message_id;
    std::optional<std::string> sent;
    if (auto claimed = claimed_.find(m.message_id); claimed != claimed_.end())
        sent = claimed->second;
    else
        sent = store_.get_kv(sent_key);
    if (!sent) return false;  // not a message of ours, or sent before we kept track
    json where = json::parse(*sent, nullptr, false);
    if (!where.is_object()) return false;
    EntityRef ref;
    try {
        ref = EntityRef::parse(where.value("entity_key", ""));
    } catch (const std::invalid_argument&) {
        return false;
    }
    // Wazzup's webhooks come out of order: a status never goes back (read stays read), and one
    // that changes nothing is not news to any rule.
    auto known = sent_status_.find(m.message_id);
    const std::string was = known != sent_status_.end() ? known->second : where.value("status", "");
    auto current_status =
        was.empty() ? wazzup::DeliveryStatus::none : wazzup::parse_delivery_status(was);
    auto merged = wazzup::merge_status(current_status, wazzup::parse_delivery_status(m.status));
    if (merged == current_status) {
        ++counts_.unchanged;
        return true;
    }
    // Wazzup took the message and then could not deliver it (no WhatsApp, the 24-hour window,
    // a rejected template): as much a refusal as one answered at once.
    if (merged == wazzup::DeliveryStatus::error)
        tell_send_refused(ref, m.error_code, where.value("template", ""), "message:" + m.message_id,
                          reads);
    m.status = std::string(wazzup::to_string(merged));
    m.inbound = false;
    sent_status_[m.message_id] = m.status;
    where["status"] = m.status;
    commit_.kv_puts.emplace_back(sent_key, where.dump());
    ev.kind = EventKind::chat_status;
    ev.entity = ref;
    ev.message = m;
    rules::Entity e = current(ref, reads);
    decide(ev, e, e, "");
    return true;
}

std::string StepBuilder::lead_for(const store::StoredEvent& stored, const json& payload,
                                  const Reads& reads) {
    std::string phone;
    if (stored.event.kind == "ONVOXIMPLANTCALLEND") {
        auto target = call_target_of(stored, call_targets_);
        if (target && target->kind == CallTarget::Kind::lead) {
            EntityRef ref{"lead", target->lead_id};
            first_sight(ref, reads);
            return target->lead_id;
        }
        if (target && target->kind == CallTarget::Kind::other) return {};
        auto call = call_of(payload);
        if (!call) return {};
        phone = rules::normalise_phone(call->phone);
    } else {
        auto m = message_of(payload);
        if (!m) return {};
        phone = rules::normalise_phone(m->chat_id);
        if (phone.empty()) phone = m->chat_id;
    }
    if (phone.empty()) return {};
    return choose_lead(leads_with_phone(phone, reads)).value_or("");
}

std::vector<rules::Lead> StepBuilder::leads_with_phone(const std::string& digits,
                                                       const Reads& reads) {
    std::set<std::string> ids;
    for (const auto& id : world_.leads_with_phone(digits))
        ids.insert(id);
    // Leads this step met first (created earlier in the same backlog) have no snapshot yet.
    for (const auto& [key, entity] : entities_)
        if (const auto* lead = std::get_if<rules::Lead>(&entity))
            for (const auto& p : lead->phones)
                if (rules::normalise_phone(p) == digits) ids.insert(lead->id);
    std::vector<rules::Lead> out;
    for (const auto& id : ids) {
        auto e = current({"lead", id}, reads);
        if (const auto* lead = std::get_if<rules::Lead>(&e)) {
            // A lead whose number changed since its snapshot was indexed is not the client's.
            bool has = std::any_of(lead->phones.begin(), lead->phones.end(), [&](const auto& p) {
                return rules::normalise_phone(p) == digits;
            });
            if (has) out.push_back(*lead);
        }
    }
    return out;
}

void StepBuilder::first_sight(const EntityRef& ref, const Reads& reads) {
    const std::string key = ref.key();
    if (entities_.count(key) || projected_.count(key) || erased_.count(key)) return;
    if (store_.get_snapshot(key)) return;
    auto it = reads.find(key);
    if (it == reads.end() || empty_entity(it->second)) return;
    remember(ref, it->second);
    rules::Event created;
    created.name = "ONCRMLEADADD";
    created.kind = EventKind::created;
    created.entity = ref;
    created.at = now_;
    decide(created, std::monostate{}, it->second, "");
}

// The call log of a lead (call_log.hpp).
void StepBuilder::keep_call(const rules::Call& call, const std::vector<std::string>& lead_ids) {
    if (call.call_id.empty() || lead_ids.empty()) return;
    auto s = call_snapshot(call, lead_ids, now_);
    snapshots_[s.entity_key] = std::move(s);
}

void StepBuilder::add_stage_history(const std::string& deal_id,
                                    const std::vector<StageHistoryRow>& rows) {
    const auto key = stage_history_key(deal_id);
    std::vector<StageHistoryRow> kept;
    if (auto it = snapshots_.find(key); it != snapshots_.end())
        kept = stage_history_rows(it->second.json);
    else if (auto snap = store_.get_snapshot(key); snap && !erased_.count(key))
        kept = stage_history_rows(snap->json);
    auto merged = merge_stage_history(std::move(kept), rows);
    histories_[deal_id] = stage_history_entries(merged);
    erased_.erase(key);
    snapshots_[key] = stage_history_snapshot(deal_id, merged, now_);
}

void StepBuilder::add_deal_comments(const std::string& deal_id, const DealComments& listed) {
    const EntityRef owner{"deal", deal_id};
    comments_[owner.key()] = listed;
    auto is_listed = [&](const std::string& id) {
        return std::any_of(listed.comments.begin(), listed.comments.end(),
                           [&](const rules::TimelineComment& c) { return c.id == id; });
    };
    if (listed.complete) {
        for (const auto& kept : store_.find_snapshots(terms::comment_owner, owner.key())) {
            if (is_listed(EntityRef::parse(kept.entity_key).id)) continue;
            snapshots_.erase(kept.entity_key);
            erased_.insert(kept.entity_key);
        }
    }
    for (const auto& c : listed.comments) {
        EntityRef ref{"timeline_comment", c.id};
        // Only the snapshot: an event of the same comment in this step still finds it new.
        erased_.erase(ref.key());
        snapshots_[ref.key()] = snapshot_of(ref, c, now_);
    }
}

std::vector<rules::TimelineComment> StepBuilder::StepWorld::timeline_comments(
    const rules::EntityRef& owner) const {
    auto it = comments_.find(owner.key());
    if (it == comments_.end()) return base_.timeline_comments(owner);
    auto out = it->second.comments;
    if (it->second.complete) return out;
    for (auto& kept : base_.timeline_comments(owner)) {
        bool listed = std::any_of(out.begin(), out.end(),
                                  [&](const rules::TimelineComment& c) { return c.id == kept.id; });
        if (!listed) out.push_back(std::move(kept));
    }
    return out;
}

void StepBuilder::tell_channel_down(const EntityRef& about, const std::string& state) {
    const auto& notice = rules_.channel_down;
    if (notice.user_ids.empty()) return;
    // Every send fails while the channel is down: the head hears it once per outage, not once
    // per message. The spine clears the flag when Wazzup lists the channel active again.
    const std::string flag(channel_down_kv);
    if (channel_down_told_) return;
    if (auto set = store_.get_kv(flag); set && *set != "0") return;
    channel_down_told_ = true;
    const auto since = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count());
    commit_.kv_puts.emplace_back(flag, since);
    std::string text = notice.text;
    if (auto at = text.find("{state}"); at != std::string::npos)
        text.replace(at, 7, state.empty() ? "не активен" : state);
    for (const auto& user : notice.user_ids) {
        store::NewAction n;
        n.idempotency_key = "wazzup:channel_down:" + since + ":" + user;
        n.entity_key = about.key();
        n.rule_id = "wazzup";
        n.kind = "notify";
        n.payload = json{{"params", {{"user_id", user}, {"message", text}}},
                         {"reason", "Wazzup refused a send: the channel is not active"}}
                        .dump();
        n.created_at = now_;
        commit_.outbox_actions.push_back(std::move(n));
        ++counts_.actions;
        ++counts_.actions_by_rule["wazzup"];
    }
}

void StepBuilder::tell_send_refused(const EntityRef& about, const std::string& code,
                                    const std::string& template_name, const std::string& key,
                                    const Reads& reads) {
    const SendRefusal refusal = classify_refusal(code);
    ++counts_.sends_refused[refusal.label];
    const auto& notice = rules_.send_refused;
    const std::string& text = refusal.outcome_unknown ? notice.unknown_text : notice.text;
    if (text.empty()) return;
    std::string title, responsible;
    rules::Entity e = current(about, reads);
    if (const auto* lead = std::get_if<rules::Lead>(&e)) {
        title = lead->title;
        responsible = lead->assigned_by_id;
    } else if (const auto* deal = std::get_if<rules::Deal>(&e)) {
        title = deal->title;
        responsible = deal->assigned_by_id;
    }
    std::vector<std::string> to;
    if (!responsible.empty() && responsible != "0")
        to.push_back(responsible);
    else
        to = notice.fallback_user_ids;
    const std::string message =
        refusal_notice(text, template_name.empty() ? std::string("шаблон") : template_name, title,
                       refusal.reason_text);
    for (const auto& user : to) {
        store::NewAction n;
        n.idempotency_key = "wazzup:send_refused:" + key + ":" + user;
        n.entity_key = about.key();
        n.rule_id = "wazzup";
        n.kind = "notify";
        n.payload = json{{"params", {{"user_id", user}, {"message", message}}},
                         {"reason", "a message to the client did not go: " +
                                        (code.empty() ? std::string("error") : code)}}
                        .dump();
        n.created_at = now_;
        commit_.outbox_actions.push_back(std::move(n));
        ++counts_.actions;
        ++counts_.actions_by_rule["wazzup"];
    }
}

void StepBuilder::add_sweep(const EntityRef& entity, const rules::Entity& now_entity) {
    rules::Event ev;
    ev.kind = EventKind::sweep;
    ev.name = "sweep";
    ev.entity = entity;
    ev.at = now_;
    decide(ev, now_entity, now_entity, "");
}

json StepBuilder::state_of(const std::string& rule_id, const std::string& entity_key) {
    auto k = std::make_pair(rule_id, entity_key);
    if (auto it = states_.find(k); it != states_.end()) return it->second;
    json j;
    if (auto st = store_.get_rule_state(rule_id, entity_key)) {
        j = json::parse(st->json, nullptr, false);
        if (j.is_discarded()) j = nullptr;
    }
    states_[k] = j;
    return j;
}

namespace {

std::string param_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return {};
}

// What a rule's writes will make of the entity, for the rules after it on the same event: L1
// assigns a new lead and R2's first call task must go to that manager, not to whoever the
// portal put there first. The snapshot stays the portal's; the echo of the write updates it.
bool project(rules::Entity& entity, const std::vector<rules::Action>& actions) {
    bool changed = false;
    for (const auto& a : actions) {
        const json& f = a.params.value("fields", json::object());
        if (auto* lead = std::get_if<rules::Lead>(&entity);
            lead && a.kind == "lead.update" &&
            param_text(a.params.value("lead_id", json())) == lead->id) {
            if (f.contains("ASSIGNED_BY_ID"))
                lead->assigned_by_id = param_text(f["ASSIGNED_BY_ID"]);
            if (f.contains("STATUS_ID")) lead->status_id = param_text(f["STATUS_ID"]);
            changed = true;
        }
        if (auto* deal = std::get_if<rules::Deal>(&entity)) {
            bool mine = param_text(a.params.value("deal_id", json())) == deal->id;
            if (mine && a.kind == "deal.update") {
                if (f.contains("ASSIGNED_BY_ID"))
                    deal->assigned_by_id = param_text(f["ASSIGNED_BY_ID"]);
                if (f.contains("STAGE_ID")) deal->stage_id = param_text(f["STAGE_ID"]);
                changed = true;
            }
            if (mine && a.kind == "deal.move") {
                deal->category_id = param_text(a.params.value("category_id", json()));
                deal->stage_id = param_text(a.params.value("stage_id", json()));
                changed = true;
            }
        }
    }
    return changed;
}

}  // namespace

void StepBuilder::decide(const rules::Event& event, const rules::Entity& before_read,
                         const rules::Entity& after_read, const std::string& only_rule) {
    rules::Entity before = before_read;
    rules::Entity after = after_read;
    mark(before);
    mark(after);
    bool projected = false;
    for (const auto& slot : rules_.slots) {
        const auto& rule = *slot.rule;
        if (!only_rule.empty() && rule.id() != only_rule) continue;
        if (!rule.interested(event)) continue;
        std::string state_key = rule.state_entity(event).key();
        json state = state_of(std::string(rule.id()), state_key);
        rules::RuleContext context{event, before,    after,        state,
                                   now_,  calendar_, rules_.staff, world_};
        rules::Decision decision;
        try {
            decision = rule.decide(context);
        } catch (const std::exception& e) {
            ++counts_.rule_errors;
            spdlog::error("engine: rule {} failed on {} ({}): {}", rule.id(), event.entity.key(),
                          event.name, e.what());
            continue;
        }
        if (decision.empty()) continue;
        ++counts_.decisions;
        if (!slot.dry_run && !global_dry_run_ && project(after, decision.actions)) {
            projected = true;
            mark(after);
        }
        apply(slot, event, state_key, std::move(decision));
    }
    if (only_rule.empty() || projected) follow_lead(event.entity, before, after);
    // A later event of this step on the same entity (L4's reassignment, then R1's timer) sees
    // the writes too: the portal has not carried them out yet, the outbox runs after the commit.
    if (projected) projected_[event.entity.key()] = std::move(after);
}

void StepBuilder::apply(const RuleSlot& slot, const rules::Event& event,
                        const std::string& state_key, rules::Decision decision) {
    const std::string rule_id(slot.rule->id());
    bool dry = slot.dry_run || global_dry_run_;
    for (auto& a : decision.actions) {
        const std::string entity_key = a.entity.type.empty() ? event.entity.key() : a.entity.key();
        // Reads and journal notes write nothing to the portal, so dry-run lets them through:
        // L2 in dry-run still learns what it would have written.
        bool writes = a.kind != "lookup.duplicates" && a.kind != "journal.note";
        queue_action(rule_id, entity_key, a, dry && writes);
    }
    for (auto& t : decision.timers) {
        std::string entity_key = t.entity.type.empty() ? event.entity.key() : t.entity.key();
        auto k = std::make_tuple(rule_id, entity_key, t.purpose);
        if (!t.due) {
            timers_[k] = std::nullopt;
            continue;
        }
        store::Timer timer;
        timer.rule_id = rule_id;
        timer.entity_key = entity_key;
        timer.purpose = t.purpose;
        timer.due_at = *t.due;
        timer.payload = t.payload.is_null() ? "" : t.payload.dump();
        timers_[k] = std::move(timer);
    }
    if (decision.state) {
        states_[{rule_id, state_key}] = std::move(*decision.state);
        dirty_states_.insert({rule_id, state_key});
    }
}

void StepBuilder::remember_write(const rules::Action& a) {
    auto write = own_write(a.kind, a.params, now_);
    if (!write) return;
    const std::string key = write->target.key();
    footprint_of(key);
    merge_footprint(footprints_[key], write->written);
    dirty_footprints_.insert(key);
}

void StepBuilder::queue_own(const std::string& rule_id, const rules::Action& a) {
    queue_action(rule_id, a.entity.key(), a, global_dry_run_);
}

// An action to the outbox, or in dry-run to the journal only.
void StepBuilder::queue_action(const std::string& rule_id, const std::string& entity_key,
                               const rules::Action& a, bool dry) {
    if (dry) {
        // A sweep decides the same thing every five minutes: journal it once, as the outbox
        // would have carried it out once.
        std::string seen_key = "dry-run:" + rule_id + ":" + entity_key + ":" + a.key;
        if (dry_seen_.count(seen_key) || store_.get_kv(seen_key)) return;
        dry_seen_.insert(seen_key);
        // Stamped, so that retention forgets it ([store] keep_marks_days): a situation
        // that lasts longer is journaled once per that many days.
        commit_.kv_puts.emplace_back(
            seen_key, std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         now_.time_since_epoch())
                                         .count()));
        store::JournalEntry j;
        j.time = now_;
        j.rule_id = rule_id;
        j.entity_key = entity_key;
        j.action = a.kind;
        j.reason = a.reason;
        j.result = "dry-run: " + a.params.dump();
        j.dry_run = true;
        commit_.journal_entries.push_back(std::move(j));
        ++counts_.dry_run;
        return;
    }
    store::NewAction n;
    n.idempotency_key = rule_id + ":" + entity_key + ":" + a.key;
    n.entity_key = entity_key;
    n.rule_id = rule_id;
    n.kind = a.kind;
    n.payload = json{{"params", a.params}, {"reason", a.reason}}.dump();
    n.created_at = now_;
    commit_.outbox_actions.push_back(std::move(n));
    ++counts_.actions;
    ++counts_.actions_by_rule[rule_id];
    remember_write(a);
}

// The rule id the journal shows for what the engine does about a lead's life.
constexpr std::string_view kLeadLife = "lead-life";

void StepBuilder::follow_lead(const EntityRef& ref, const rules::Entity& before,
                              const rules::Entity& after) {
    if (ref.type != "lead") return;
    const auto* was = std::get_if<rules::Lead>(&before);
    const auto* now = std::get_if<rules::Lead>(&after);
    bool was_in = was && was->in_process();
    bool left = was_in && (!now || !now->in_process());
    bool handed = was_in && now && now->in_process() && !was->assigned_by_id.empty() &&
                  !now->assigned_by_id.empty() && was->assigned_by_id != now->assigned_by_id;
    if (!left && !handed) return;
    const std::string rule_id(kLeadLife);
    for (const auto& task : world_.open_tasks_bound_to(rules::crm_binding(ref))) {
        // Only the daemon's own tasks: a manager's task on the lead is the manager's to close
        // or hand over.
        if (!task.automated()) continue;
        if (left) {
            queue_own(rule_id, rules::make_action(
                                   "task.complete", ref, {{"task_id", task.id}}, "left:" + task.id,
                                   "the lead left the call centre's process; the regulation's "
                                   "task on it is no longer anyone's work"));
        } else if (task.responsible_id == was->assigned_by_id) {
            queue_own(
                rule_id,
                rules::make_action(
                    "task.update", ref,
                    {{"task_id", task.id}, {"fields", {{"RESPONSIBLE_ID", now->assigned_by_id}}}},
                    "handed:" + task.id + ":" + now->assigned_by_id,
                    "the lead changed hands; the regulation's task on it goes with it"));
        }
    }
}

store::EngineCommit StepBuilder::take() {
    for (const auto& key : dirty_footprints_)
        commit_.kv_puts.emplace_back(std::string(footprint_kv_prefix) + key,
                                     json(footprints_[key]).dump());
    dirty_footprints_.clear();
    footprints_.clear();
    for (auto& [key, snap] : snapshots_)
        commit_.snapshots.push_back(std::move(snap));
    for (const auto& key : erased_)
        commit_.snapshot_erases.push_back(key);
    for (const auto& k : dirty_states_) {
        const json& state = states_[k];
        if (state.is_null()) {
            if (store_.get_rule_state(k.first, k.second))
                commit_.rule_state_erases.push_back({k.first, k.second});
            continue;
        }
        commit_.rule_states.push_back({k.first, k.second, state.dump(), now_});
    }
    for (auto& [k, timer] : timers_) {
        if (timer)
            commit_.timer_upserts.push_back(std::move(*timer));
        else
            commit_.timer_cancels.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k)});
    }
    snapshots_.clear();
    histories_.clear();
    projected_.clear();
    own_writes_.clear();
    sent_status_.clear();
    claimed_.clear();
    channel_down_told_ = false;
    erased_.clear();
    states_.clear();
    dirty_states_.clear();
    dry_seen_.clear();
    timers_.clear();
    entities_.clear();
    return std::move(commit_);
}

}  // namespace reglament::daemon
