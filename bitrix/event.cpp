#include "bitrix/event.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <stdexcept>

#include "bitrix/envelope.hpp"
#include "bitrix/error.hpp"
#include "bitrix/fields.hpp"
#include "net/form.hpp"

namespace reglament::bitrix {

using nlohmann::json;

namespace {

// Which names are an entity's own events: the prefix, then (for CRM entities and tasks) one
// of its change actions. ONCRMLEADUSERFIELDADD or ONCRMDEALRECURRINGADD share a prefix with
// the entity but are about a user field or a recurring-deal template, not about a lead or deal.
enum class Actions { changes, changes_and_move, any };

struct Prefix {
    std::string_view prefix;
    EntityType type;
    Actions actions;
};

// Longest prefixes first: ONCRMTIMELINECOMMENT before ONCRM..., ONTASKCOMMENT before ONTASK.
constexpr std::array<Prefix, 12> prefixes = {{
    {"ONCRMTIMELINECOMMENT", EntityType::timeline_comment, Actions::changes},
    {"ONCRMLEAD", EntityType::lead, Actions::changes},
    {"ONCRMDEAL", EntityType::deal, Actions::changes_and_move},
    {"ONCRMCONTACT", EntityType::contact, Actions::changes},
    {"ONCRMCOMPANY", EntityType::company, Actions::changes},
    {"ONCRMACTIVITY", EntityType::activity, Actions::changes},
    {"ONTASKCOMMENT", EntityType::task_comment, Actions::changes},
    {"ONTASK", EntityType::task, Actions::changes},
    {"ONVOXIMPLANTCALL", EntityType::call, Actions::any},
    {"ONEXTERNALCALL", EntityType::call, Actions::any},
    {"ONUSER", EntityType::user, Actions::any},
    {"ONAPP", EntityType::app, Actions::any},
}};

bool action_fits(std::string_view action, Actions allowed) {
    switch (allowed) {
        case Actions::any:
            return true;
        case Actions::changes_and_move:
            if (action == "MOVETOCATEGORY") return true;
            [[fallthrough]];
        case Actions::changes:
            return action == "ADD" || action == "UPDATE" || action == "DELETE";
    }
    return false;
}

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

EntityType entity_of(std::string_view name) {
    for (const auto& p : prefixes)
        if (name.starts_with(p.prefix) && action_fits(name.substr(p.prefix.size()), p.actions))
            return p.type;
    return EntityType::unknown;
}

const json& member(const json& obj, const char* key) {
    static const json null_value;
    if (!obj.is_object()) return null_value;
    auto it = obj.find(key);
    return it == obj.end() ? null_value : *it;
}

EventParseResult fail(std::string why) {
    return {std::nullopt, std::move(why), {}};
}

// An event is a few dozen fields two or three brackets deep (bitrix24.md §5); anything far
// beyond that is not an event, and nesting costs stack in whoever walks the decoded tree.
constexpr net::FormLimits kEventFormLimits{8, 1000, 256};

// 1970-01-01 .. 2100-12-31T23:59:59Z: outside it a time is a mistake or an attack, and the
// calendar arithmetic downstream is not made for it.
constexpr std::int64_t kLatestUnixTime = 4133980799;

// CRM, task and user ids are positive integers of at most 18 digits (they fit an int64 the
// REST client parses them into). Anything else would be stored and then fail on every retry.
bool positive_integer(std::string_view id) {
    return !id.empty() && id.size() <= 18 && id[0] >= '1' && id[0] <= '9' &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Call ids are opaque strings ("externalCall.cf16...", "4B18A7D3E0A0B57E.1565167200.1157458"):
// printable ASCII without spaces, bounded.
bool call_id_fits(std::string_view id) {
    return !id.empty() && id.size() <= 128 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// What quoting a refused id in a reason may show: short and printable.
std::string shown(std::string_view id) {
    std::string out;
    for (char c : id.substr(0, 24))
        out.push_back(c > 0x20 && c < 0x7f ? c : '?');
    return "'" + out + (id.size() > 24 ? "...'" : "'");
}

// The ids a rule will act on; an event with an id it can never use is refused at the door
// rather than stored and retried for ever.
std::optional<std::string> id_problem(const Event& ev) {
    switch (ev.entity) {
        case EntityType::lead:
        case EntityType::deal:
        case EntityType::contact:
        case EntityType::company:
        case EntityType::activity:
        case EntityType::timeline_comment:
        case EntityType::task:
            if (!positive_integer(ev.entity_id))
                return ev.name + ": entity id " + shown(ev.entity_id) +
                       " is not a positive integer";
            break;
        case EntityType::task_comment:
            // A comment id may be "0" (new task chat comments, §5); the task id is what counts.
            if (!ev.entity_id.empty() && ev.entity_id != "0" && !positive_integer(ev.entity_id))
                return ev.name + ": comment id " + shown(ev.entity_id) +
                       " is not a positive integer";
            if (!ev.task_id.empty() && !positive_integer(ev.task_id))
                return ev.name + ": task id " + shown(ev.task_id) + " is not a positive integer";
            break;
        case EntityType::user:
            if (!ev.entity_id.empty() && !positive_integer(ev.entity_id))
                return ev.name + ": user id " + shown(ev.entity_id) + " is not a positive integer";
            break;
        case EntityType::call:
            if (!ev.entity_id.empty() && !call_id_fits(ev.entity_id))
                return ev.name + ": CALL_ID " + shown(ev.entity_id) + " is not a call id";
            break;
        case EntityType::app:
        case EntityType::unknown:
            break;
    }
    if (!ev.category_id.empty() && ev.category_id != "0" && !positive_integer(ev.category_id))
        return ev.name + ": CATEGORY_ID " + shown(ev.category_id) + " is not an integer";
    return std::nullopt;
}

}  // namespace

std::string_view to_string(EntityType t) {
    switch (t) {
        case EntityType::lead:
            return "lead";
        case EntityType::deal:
            return "deal";
        case EntityType::contact:
            return "contact";
        case EntityType::company:
            return "company";
        case EntityType::activity:
            return "activity";
        case EntityType::timeline_comment:
            return "timeline_comment";
        case EntityType::task:
            return "task";
        case EntityType::task_comment:
            return "task_comment";
        case EntityType::call:
            return "call";
        case EntityType::user:
            return "user";
        case EntityType::app:
            return "app";
        case EntityType::unknown:
            break;
    }
    return "unknown";
}

bool Event::is(std::string_view event_name) const {
    return iequals(name, event_name);
}

namespace {

EventParseResult parse_form(json& form) {
    const json& name = member(form, "event");
    if (!name.is_string() || name.get_ref<const std::string&>().empty())
        return fail("no 'event' field: not a Bitrix24 event");

    Event ev;
    ev.name = upper(name.get_ref<const std::string&>());
    ev.entity = entity_of(ev.name);
    ev.handler_id = text_or_empty(form, {"event_handler_id"});
    // Moved, not copied: nothing below reads the form's "data" again.
    if (auto data = form.find("data"); data != form.end()) ev.data = std::move(*data);
    if (const json& ts = member(form, "ts"); !ts.is_null()) {
        auto seconds = as_int(ts);
        if (!seconds || *seconds < 0 || *seconds > kLatestUnixTime)
            return fail("'ts' is not a unix time between 1970 and 2100");
        ev.ts = TimePoint(std::chrono::seconds(*seconds));
    }
    const json& auth = member(form, "auth");
    ev.auth.domain = text_or_empty(auth, {"domain"});
    ev.auth.client_endpoint = text_or_empty(auth, {"client_endpoint"});
    ev.auth.server_endpoint = text_or_empty(auth, {"server_endpoint"});
    ev.auth.member_id = text_or_empty(auth, {"member_id"});
    ev.auth.application_token = text_or_empty(auth, {"application_token"});
    ev.auth.access_token = text_or_empty(auth, {"access_token"});
    ev.auth.refresh_token = text_or_empty(auth, {"refresh_token"});

    const json& data = ev.data;
    const json& fields = member(data, "FIELDS");
    switch (ev.entity) {
        case EntityType::task:
        case EntityType::task_comment: {
            // Task events carry FIELDS_AFTER{ID[, TASK_ID]}; on delete only FIELDS_BEFORE,
            // and on add FIELDS_BEFORE is the string "undefined" (§5).
            const json& after = member(data, "FIELDS_AFTER");
            const json& src = after.is_object() ? after : member(data, "FIELDS_BEFORE");
            ev.entity_id = text_or_empty(src, {"ID"});
            ev.task_id = text_or_empty(src, {"TASK_ID"});
            if (!src.is_object())
                return fail(ev.name + ": no data[FIELDS_AFTER] or data[FIELDS_BEFORE]");
            break;
        }
        case EntityType::timeline_comment:
            // data[ID] without a FIELDS wrapper (§5); accept the wrapper too.
            ev.entity_id = text_or_empty(data, {"ID"});
            if (ev.entity_id.empty()) ev.entity_id = text_or_empty(fields, {"ID"});
            break;
        case EntityType::call: {
            const json& src = fields.is_object() ? fields : data;
            ev.entity_id = text_or_empty(src, {"CALL_ID"});
            if (ev.name == "ONVOXIMPLANTCALLEND") ev.call = call_from(src);
            break;
        }
        case EntityType::user:
            // ONUSERADD carries the user as data[ID], data[NAME], ... without FIELDS.
            ev.entity_id = text_or_empty(data, {"ID"});
            if (ev.entity_id.empty()) ev.entity_id = text_or_empty(fields, {"ID"});
            break;
        case EntityType::app:
        case EntityType::unknown:
            ev.entity_id = text_or_empty(fields, {"ID"});
            break;
        default:
            ev.entity_id = text_or_empty(fields, {"ID"});
            if (ev.name == "ONCRMDEALMOVETOCATEGORY") {
                ev.category_id = text_or_empty(fields, {"CATEGORY_ID"});
                ev.stage_id = text_or_empty(fields, {"STAGE_ID"});
            }
            break;
    }
    // Lifecycle, user, unknown and the various call-start events may legitimately lack an id:
    // no rule reads them.
    bool needs_id = ev.entity != EntityType::app && ev.entity != EntityType::unknown &&
                    ev.entity != EntityType::user && ev.entity != EntityType::task_comment &&
                    (ev.entity != EntityType::call || ev.name == "ONVOXIMPLANTCALLEND");
    if (needs_id && ev.entity_id.empty()) return fail(ev.name + ": no entity id in data");
    if (auto problem = id_problem(ev)) return fail(std::move(*problem));
    return {std::move(ev), {}, {}};
}

}  // namespace

EventParseResult parse_event(std::string_view body) {
    json form;
    try {
        form = net::decode_form(body, kEventFormLimits);
    } catch (const net::FormError& e) {
        auto result = fail(std::string("malformed event form: ") + e.what());
        result.too_large = e.too_large();
        return result;
    }
    std::string token = text_or_empty(member(form, "auth"), {"application_token"});
    auto result = parse_form(form);
    result.application_token = std::move(token);
    return result;
}

bool token_matches(std::string_view expected, std::string_view got) {
    if (expected.empty()) return false;
    // Compare over the expected length whatever `got` is, so timing reveals neither the
    // matching prefix nor (beyond a length mismatch) anything of the token.
    std::uint8_t diff = expected.size() == got.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        char g = i < got.size() ? got[i] : '\0';
        diff |= static_cast<std::uint8_t>(expected[i] ^ g);
    }
    return diff == 0;
}

}  // namespace reglament::bitrix
