// What a webhook becomes in the inbox (ARCHITECTURE.md "Data flow" 1). Pure: the intake
// (daemon/intake.hpp) parses and authenticates, these decide source, kind, entity_key,
// dedup_key and payload, and the engine reads exactly these shapes back.
//
// Bitrix24 (one event per POST):
//   kind = the upper-cased event name; entity_key by entity: "lead:<id>", "deal:<id>" (also
//   ONCRMDEALMOVETOCATEGORY), "contact:<id>", "company:<id>", "activity:<id>",
//   "timeline_comment:<id>", tasks "task:<id>", task comments "task:<TASK_ID>", and
//   ONVOXIMPLANTCALLEND "call:<CALL_ID>". Anything else (users, app lifecycle, call start)
//   or an empty id gives nullopt: acknowledged and logged, not stored.
//   dedup_key = "bitrix:<delivery>". Bitrix24 never resends an event (bitrix24.md §5), while
//   two changes of one entity within one second send byte-identical bodies: collapsing those
//   would lose the second change, so every POST is its own event (the intake gives each a
//   delivery id) and a repeat costs the engine one re-read that finds nothing new. The
//   intake's ids sort in arrival order, so the inbox's unique index grows at its end, and
//   the key is short: it is written twice per event (row and index) on the intake's commit.
//   A finished call is one fact whatever the body: "bitrix:call:<CALL_ID>".
//   payload = {"name", "entity_id", "ts" (ISO 8601 | null), "data", ["task_id"],
//   ["category_id", "stage_id"], ["call": rules::Call JSON]}. Never the auth block: tokens
//   must not reach the store or the logs.
//
// Wazzup (several items per POST, wazzup.md §4.3–§4.5):
//   messages  kind "wazzup.message", entity_key "chat:<chat id>", dedup
//             "wazzup:message:<messageId>[:edited|:deleted]", payload rules::ChatMessage JSON;
//   statuses  kind "wazzup.status", entity_key "wazzup_message:<messageId>", dedup
//             "wazzup:status:<messageId>:<status>", payload rules::ChatMessage JSON;
//   channels  kind "wazzup.channel", entity_key "wazzup_channel:<channelId>", dedup
//             "wazzup:channel:<channelId>:<state>:<received_at ms>", payload {"channel_id",
//             "state", "tier", "timestamp_ms" (number | null)}.
//   The test POST and template statuses give nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bitrix/event.hpp"
#include "rules/clock.hpp"
#include "store/records.hpp"
#include "wazzup/webhook.hpp"

namespace reglament::daemon {

std::optional<store::InboxEvent> inbox_event_from_bitrix(const bitrix::Event& e,
                                                         std::string_view delivery_id,
                                                         TimePoint received_at);

std::vector<store::InboxEvent> inbox_events_from_wazzup(const wazzup::WebhookBody& body,
                                                        TimePoint received_at);

// FNV-1a 64 as 16 lower-case hex digits (the body fingerprint of Bitrix24 dedup keys).
std::string fnv1a64_hex(std::string_view bytes);
// 16 lower-case hex digits, zero-padded: the same width for every value, so they sort as numbers.
std::string hex16(std::uint64_t value);

// A WhatsApp/Viber chat id in the digits-only form lead phones are normalised to, so a chat
// and a lead's phone meet on one key; other messengers' ids are kept as sent.
std::string chat_key_id(std::string_view chat_type, std::string_view chat_id);

}  // namespace reglament::daemon
