// One engine step without I/O to the portal: inbox events (with the entities the engine re-read
// for them) in, one store::EngineCommit out (ARCHITECTURE.md "Data flow" 2). The asynchronous
// driver (engine.hpp) does the reading and commits what this builds; keeping the decision part
// free of sockets lets it be tested with a real store and no portal.
//
// How an inbox event reaches the rules:
//   bitrix ONCRM*ADD/UPDATE/DELETE, ONTASK*, poller poll.*   an entity change: before = the
//       snapshot, after = the entity as just re-read. Kind `created` when the engine had never
//       seen the entity (the first sight, so a lead whose ADD event was dropped is still "new"
//       when the poller finds it), `deleted` when the read found nothing, else `updated`. An
//       update whose entity equals the snapshot changes nothing the rules can see: it is the
//       echo of our own write (or a repeated event) and is not decided again. The poller's
//       initial sync only fills snapshots: sweeps look at those entities.
//   ONTASKCOMMENTADD            `comment_added` on the task.
//   ONVOXIMPLANTCALLEND         `call_ended` on the one lead the portal says the call belongs
//       to (call_target.hpp: the engine resolves it before the step), else on the one lead
//       choose_lead picks among the leads with the number; never on every duplicate lead.
//   wazzup.message              `chat_message` on the one lead choose_lead picks among the
//       leads with the chat's number.
//   wazzup.status               `chat_status` on the entity whose action sent the message
//       (kv "wazzup.sent:<messageId>", written by the outbox).
//       An echo (isEcho) whose messageId no send learnt is kept by its fingerprint
//       (kv "wazzup.echo:<fp>") for the outbox, and is ours when it matches a send of ours
//       (kv "wazzup.sending:<fp>", wazzup/unknown_send.hpp).
//   wazzup.send_failed          `chat_status` (status "error", the code) on the action's entity.
//       It, and a status "error" of a message of ours, also tells the entity's responsible
//       (send_refusal.hpp) and counts in StepCounts::sends_refused.
//   timer, lookup.duplicates    only to the rule that armed / asked, on the entity's snapshot.
// A rule's actions go to the outbox with the idempotency key "<rule>:<entity>:<action key>", or,
// for a rule in dry-run, to the journal only (once per key, kv "dry-run:<key>"). Rules decide in
// id order; a later rule sees the entity as an earlier rule's lead/deal writes will leave it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/call_target.hpp"
#include "daemon/deal_comments.hpp"
#include "daemon/stage_history.hpp"
#include "rules/calendar.hpp"
#include "rules/rule.hpp"
#include "store/store.hpp"

namespace reglament::daemon {

struct RuleSlot {
    std::shared_ptr<const rules::Rule> rule;
    bool dry_run = false;
};

// The rules in force, the people they talk about and the calendar they count in; replaced
// whole on reload.
// Who hears that Wazzup refused a send because the channel is down (issue 5), once per
// outage: the kv flag below is set by the first refusal and cleared when the channel is active.
struct ChannelDownNotice {
    std::vector<std::string> user_ids;  // empty: nobody (no [wazzup] section)
    std::string text;                   // {channel} filled in; {state} at the refusal
};
inline constexpr std::string_view channel_down_kv = "wazzup.channel_down";

// Who hears that a message to a client did not go, or may not have (send_refusal.hpp): the
// responsible of the lead or deal it was for; without one, `fallback_user_ids` (the heads).
struct SendRefusedNotice {
    std::string text;          // {template}, {title}, {reason}; empty: nobody is told
    std::string unknown_text;  // the outcome is unknown: the manager checks the chat
    std::vector<std::string> fallback_user_ids;
};

struct RuleSet {
    std::vector<RuleSlot> slots;
    rules::Staff staff;
    std::shared_ptr<const Calendar> calendar;
    ChannelDownNotice channel_down;
    SendRefusedNotice send_refused;
};

// Entities re-read for a step, by entity key; monostate = the portal no longer has it.
using Reads = std::map<std::string, rules::Entity>;
// Whose call each ONVOXIMPLANTCALLEND of a step is, as the portal answered (by inbox event id).
using CallTargets = std::map<std::int64_t, CallTarget>;

// A call event's target, or nullopt when the event is no call.
std::optional<CallTarget> call_target_of(const store::StoredEvent& event,
                                         const CallTargets& targets);

// Entity types the engine re-reads through REST after an event about them.
bool is_readable_type(const std::string& type);

// The entities the events need read before they can be decided: the subject of every entity
// change, and a lead a call or chat is routed to when no snapshot of it exists yet.
std::vector<rules::EntityRef> reads_needed(std::span<const store::StoredEvent> events,
                                           store::Store& store, const CallTargets& targets = {});

// The deals whose stage history is read before the events are decided (stage_history.hpp): a
// deal re-read for an entity change that moved since its snapshot or has none. Not for the
// first start's initial sync, which only fills snapshots and would read every open deal twice.
std::vector<std::string> histories_needed(std::span<const store::StoredEvent> events,
                                          const Reads& reads, store::Store& store);

struct StepCounts {
    std::size_t events = 0;
    std::size_t unchanged = 0;  // echoes and repeats: nothing for the rules
    std::size_t decisions = 0;  // rule decisions that were not empty
    std::size_t actions = 0;    // queued in the outbox
    std::size_t dry_run = 0;    // journaled instead
    std::size_t rule_errors = 0;
    std::size_t channel_updates = 0;  // Wazzup channelsUpdates seen
    std::map<std::string, std::size_t> actions_by_rule;
    std::map<std::string, std::size_t> sends_refused;  // by SendRefusal::label
};

class StepBuilder {
  public:
    StepBuilder(store::Store& store, const rules::World& world, const RuleSet& rules, TimePoint now,
                bool global_dry_run);

    // Decides one inbox event (its id joins the commit's done list).
    void add_event(const store::StoredEvent& event, const Reads& reads);
    // Whose calls this step's ONVOXIMPLANTCALLEND events are (before add_event). A call
    // without an entry goes by its number (choose_lead).
    void set_call_targets(CallTargets targets) { call_targets_ = std::move(targets); }
    // A sweep over one watched entity (H1, H7, D7 ...): every rule that wants sweeps.
    void add_sweep(const rules::EntityRef& entity, const rules::Entity& current);
    // The deal's stage history as just read, before its events: kept (merged with the rows
    // kept before) and what this step's rules get from World::stage_history.
    void add_stage_history(const std::string& deal_id, const std::vector<StageHistoryRow>& rows);
    // The deal's comments as just listed, before its events: kept as snapshots (as if their
    // events had come) and seen by this step's rules through World::timeline_comments.
    // Comments kept before and no longer listed are forgotten when the list is complete.
    void add_deal_comments(const std::string& deal_id, const DealComments& comments);

    const StepCounts& counts() const { return counts_; }
    store::EngineCommit take();

  private:
    using Histories = std::map<std::string, std::vector<rules::StageHistoryEntry>>;
    using Comments = std::map<std::string, DealComments>;  // by owner key ("deal:7")

    // The store's world with the stage histories and comments this step read, which are not
    // committed yet.
    class StepWorld final : public rules::World {
      public:
        StepWorld(const rules::World& base, const Histories& histories, const Comments& comments,
                  const StepBuilder& step)
            : base_(base), histories_(histories), comments_(comments), step_(step) {}
        std::vector<rules::Task> open_tasks_bound_to(const std::string& binding) const override {
            return base_.open_tasks_bound_to(binding);
        }
        std::vector<rules::Activity> open_activities_of(
            const rules::EntityRef& owner) const override {
            return base_.open_activities_of(owner);
        }
        std::vector<std::string> leads_with_phone(const std::string& digits) const override {
            return base_.leads_with_phone(digits);
        }
        std::optional<rules::Lead> lead(const std::string& id) const override {
            auto lead = base_.lead(id);
            if (lead) step_.mark(*lead);
            return lead;
        }
        std::optional<rules::Deal> deal(const std::string& id) const override {
            return base_.deal(id);
        }
        bool is_present(const std::string& user_id, TimePoint at) const override {
            return base_.is_present(user_id, at);
        }
        std::vector<rules::StageHistoryEntry> stage_history(
            const std::string& deal_id) const override {
            auto it = histories_.find(deal_id);
            return it != histories_.end() ? it->second : base_.stage_history(deal_id);
        }
        std::vector<rules::TimelineComment> timeline_comments(
            const rules::EntityRef& owner) const override;
        std::optional<rules::ClientAccountingRecord> client_accounting(
            const std::string& deal_id) const override {
            return base_.client_accounting(deal_id);
        }
        std::vector<rules::Call> calls_of(const rules::EntityRef& owner) const override {
            return base_.calls_of(owner);
        }
        rules::Footprint footprint(const rules::EntityRef& entity) const override {
            return step_.footprint_of(entity.key());
        }

      private:
        const rules::World& base_;
        const Histories& histories_;
        const Comments& comments_;
        const StepBuilder& step_;
    };

    // The daemon's footprint on an entity: this step's writes over the kept ones.
    const rules::Footprint& footprint_of(const std::string& entity_key) const;
    // Lead::out_of_process from the rules' exit statuses.
    void mark(rules::Lead& lead) const;
    void mark(rules::Entity& entity) const;
    // A lead that left the process or changed hands: the daemon's own open tasks on it are
    // closed, or follow it to its new responsible (issue 18 §4).
    void follow_lead(const rules::EntityRef& ref, const rules::Entity& before,
                     const rules::Entity& after);
    void queue_own(const std::string& rule_id, const rules::Action& a);
    void queue_action(const std::string& rule_id, const std::string& entity_key,
                      const rules::Action& a, bool dry);
    void remember_write(const rules::Action& a);

    rules::Entity current(const rules::EntityRef& ref, const Reads& reads);
    rules::Entity with_own_writes(const std::string& key, rules::Entity entity, TimePoint known_at);
    void decide(const rules::Event& event, const rules::Entity& before, const rules::Entity& after,
                const std::string& only_rule);
    void apply(const RuleSlot& slot, const rules::Event& event, const std::string& state_key,
               rules::Decision decision);
    void remember(const rules::EntityRef& ref, const rules::Entity& entity);
    void tell_channel_down(const rules::EntityRef& about, const std::string& state);
    // A message to a client did not go (or may not have): its manager hears it, once per key.
    void tell_send_refused(const rules::EntityRef& about, const std::string& code,
                           const std::string& template_name, const std::string& key,
                           const Reads& reads);
    // A delivery status of a message we sent (`statuses[]`, or the echo in `messages[]`),
    // decided on the entity it was sent for. False when the message is not one of ours.
    bool add_own_message_status(rules::ChatMessage m, rules::Event ev, const Reads& reads);
    // The echo of a send whose answer was lost (wazzup/unknown_send.hpp): remembered for the
    // outbox and, when it matches a send of ours, decided as add_own_message_status does.
    bool claim_echo(const rules::ChatMessage& m, const std::string& type, const rules::Event& ev,
                    const Reads& reads);
    void keep_call(const rules::Call& call, const std::vector<std::string>& lead_ids);
    // The one lead a call or chat message goes to (call_target.hpp); empty for none.
    std::string lead_for(const store::StoredEvent& stored, const nlohmann::json& payload,
                         const Reads& reads);
    // The leads with this number as this step knows them (the store's and this step's own).
    std::vector<rules::Lead> leads_with_phone(const std::string& digits, const Reads& reads);
    // A lead this step reads for the first time is `created` for the rules before anything
    // else happens to it, as if its ADD event had come first.
    void first_sight(const rules::EntityRef& ref, const Reads& reads);
    nlohmann::json state_of(const std::string& rule_id, const std::string& entity_key);

    store::Store& store_;
    CallTargets call_targets_;
    Histories histories_;
    Comments comments_;
    StepWorld world_;
    const Calendar& calendar_;
    const RuleSet& rules_;
    TimePoint now_;
    bool global_dry_run_;
    StepCounts counts_;
    store::EngineCommit commit_;
    // What this step has already changed, seen by its later events before it is committed.
    std::map<std::string, rules::Entity> entities_;
    std::map<std::string, rules::Entity> projected_;  // entities_ plus this step's own writes
    std::map<std::string, std::vector<rules::Action>> own_writes_;  // earlier steps', not done
    std::map<std::pair<std::string, std::string>, nlohmann::json> states_;  // loaded or set
    std::set<std::pair<std::string, std::string>> dirty_states_;            // set by rules
    std::map<std::string, store::Snapshot> snapshots_;
    std::set<std::string> erased_;
    std::set<std::string> dry_seen_;
    bool channel_down_told_ = false;
    std::map<std::string, std::string> claimed_;  // messageId → kv value, claimed by this step
    std::set<std::string> exit_status_ids_;
    mutable std::map<std::string, rules::Footprint> footprints_;  // loaded or written this step
    std::set<std::string> dirty_footprints_;
    std::map<std::string, std::string> sent_status_;  // Wazzup messageId → status set this step  //
                                                      // dry-run lines journaled by this step
    std::map<std::tuple<std::string, std::string, std::string>, std::optional<store::Timer>>
        timers_;
};

}  // namespace reglament::daemon
