// [portal], [wazzup], [server], [store], [clock] and [log].
#include <algorithm>
#include <array>

#include "config/sections.hpp"
#include "rules/iso_time.hpp"

namespace reglament::config {

namespace {

// A required non-empty string; reports its absence at the table.
std::optional<std::string> required_string(TableReader& reader, std::string_view key) {
    auto value = reader.string(key);
    if (!value && reader.node(key) == nullptr) {
        reader.report().error(reader.where(), reader.path(key) + " is missing");
    } else if (value && value->empty()) {
        reader.report().error(reader.node(key)->source(), reader.path(key) + " is empty");
        return std::nullopt;
    }
    return value;
}

void read_url(TableReader& reader, std::string_view key, std::string& out, bool required) {
    auto value = required ? required_string(reader, key) : reader.string(key);
    if (!value) return;
    if (!value->empty() && !is_http_url(*value)) {
        reader.report().error(reader.node(key)->source(),
                              reader.path(key) + " is not an http(s) URL: '" + *value + "'");
        return;
    }
    out = *value;
}

// The secret URL is checked like any other but never quoted.
void check_secret_url(TableReader& reader, std::string_view key, const Secret& url) {
    if (is_http_url(url.reveal())) return;
    const auto* node = reader.node(key);
    reader.report().error(node != nullptr ? node->source() : reader.where(),
                          reader.path(key) + " is not an http(s) URL (value not shown)");
}

std::optional<TimePoint> to_time_point(const toml::date_time& dt) {
    if (!dt.offset) return std::nullopt;
    const auto day = date::sys_days{date::year{dt.date.year} / dt.date.month / dt.date.day};
    return TimePoint{day} + std::chrono::hours{dt.time.hour} +
           std::chrono::minutes{dt.time.minute} + std::chrono::seconds{dt.time.second} +
           std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::nanoseconds{dt.time.nanosecond}) -
           std::chrono::minutes{dt.offset->minutes};
}

void read_rate_limit(TableReader& reader, RateLimit& limit) {
    if (auto preset = reader.string("preset")) {
        // api/bitrix24.md, "Rate limit": standard tariffs 50/2, Enterprise 250/5.
        if (*preset == "standard") {
            limit = RateLimit{50, 2.0};
        } else if (*preset == "enterprise") {
            limit = RateLimit{250, 5.0};
        } else {
            reader.report().error(reader.node("preset")->source(),
                                  reader.path("preset") + " must be \"standard\" or " +
                                      "\"enterprise\", not '" + *preset + "'");
        }
    }
    if (auto burst = reader.integer("burst", 1, 100000)) limit.burst = static_cast<int>(*burst);
    if (auto drain = reader.number("drain_per_second")) {
        if (*drain > 0) {
            limit.drain_per_second = *drain;
        } else {
            reader.report().error(reader.node("drain_per_second")->source(),
                                  reader.path("drain_per_second") + " must be above 0");
        }
    }
}

MessageTemplate read_template(TableReader& reader, const std::string& name) {
    MessageTemplate out;
    if (auto text = reader.string("text")) out.text = *text;
    if (auto id = reader.string("waba_template_id")) out.waba_template_id = *id;
    if (auto values = reader.strings("values")) out.values = *values;
    if (!out.text.empty() && !out.waba_template_id.empty()) {
        reader.report().error(reader.where(), "template '" + name +
                                                  "' has both text and waba_template_id; " +
                                                  "Wazzup sends one or the other");
    } else if (!out.values.empty() && out.waba_template_id.empty()) {
        reader.report().error(reader.node("values")->source(),
                              "template '" + name + "': values need a waba_template_id");
    } else if (out.empty()) {
        reader.report().warning(reader.where(), "template '" + name +
                                                    "' has no text yet; rules skip it with a "
                                                    "warning until it is written");
    }
    return out;
}

}  // namespace

bool is_http_url(std::string_view text) {
    std::string_view rest;
    if (text.substr(0, 7) == "http://") {
        rest = text.substr(7);
    } else if (text.substr(0, 8) == "https://") {
        rest = text.substr(8);
    } else {
        return false;
    }
    const auto host_end = rest.find_first_of("/?#");
    const auto authority = rest.substr(0, host_end);
    if (authority.empty()) return false;
    const auto colon = authority.rfind(':');
    const auto host = colon == std::string_view::npos ? authority : authority.substr(0, colon);
    if (host.empty()) return false;
    if (colon != std::string_view::npos) {
        const auto port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return false;
        }
    }
    return std::none_of(text.begin(), text.end(), [](unsigned char c) {
        return c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == 0x7f;
    });
}

bool is_known_zone(const std::string& name) {
    try {
        date::locate_zone(name);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

void read_portal(TableReader& reader, Portal& portal, const SecretSources& sources) {
    const bool webhook_given =
        reader.node("webhook_url") != nullptr || reader.node("webhook_url_file") != nullptr;
    if (const auto* oauth_table = reader.table("oauth")) {
        if (webhook_given) {
            reader.report().error(oauth_table->source(),
                                  "give either portal.webhook_url or [portal.oauth], not both");
        }
        TableReader oauth_reader(*oauth_table, reader.path("oauth"), reader.report());
        OAuth oauth;
        if (auto id = required_string(oauth_reader, "client_id")) oauth.client_id = *id;
        if (auto secret = read_secret(oauth_reader, "client_secret", sources, true)) {
            oauth.client_secret = std::move(*secret);
        }
        read_url(oauth_reader, "client_endpoint", oauth.client_endpoint, true);
        read_url(oauth_reader, "token_url", oauth.token_url, false);
        oauth.refresh_token = read_secret(oauth_reader, "refresh_token", sources, false);
        portal.oauth = std::move(oauth);
    } else if (auto url = read_secret(reader, "webhook_url", sources, false)) {
        check_secret_url(reader, "webhook_url", *url);
        portal.webhook_url = std::move(url);
    } else if (!webhook_given) {
        reader.report().error(reader.where(),
                              "[portal] needs webhook_url (inline, as webhook_url_file, or in "
                              "$CREDENTIALS_DIRECTORY/webhook_url) or a [portal.oauth] table");
    }
    if (auto token = read_secret(reader, "application_token", sources, true)) {
        portal.application_token = std::move(*token);
    }
    if (auto zone = reader.string("time_zone")) {
        if (is_known_zone(*zone)) {
            portal.time_zone = *zone;
        } else {
            reader.report().error(reader.node("time_zone")->source(),
                                  "portal.time_zone: unknown time zone '" + *zone + "'");
        }
    }
    if (auto marker = reader.string("marker")) portal.marker = *marker;
    if (portal.marker.empty() && reader.node("marker") == nullptr) {
        reader.report().warning(reader.where(),
                                "portal.marker is not set: automated writes carry no marker, and "
                                "the daemon cannot tell its own comments from people's");
    } else if (portal.marker.empty() && reader.node("marker")->is_string()) {
        reader.report().warning(reader.node("marker")->source(),
                                "portal.marker is empty: automated writes carry no marker, and "
                                "the daemon cannot tell its own comments from people's");
    }
    if (auto seconds = reader.integer("poll_interval_seconds", 1, 86400)) {
        portal.poll_interval = std::chrono::seconds{*seconds};
    }
    if (const auto* limit = reader.table("rate_limit")) {
        TableReader limit_reader(*limit, reader.path("rate_limit"), reader.report());
        read_rate_limit(limit_reader, portal.rate_limit);
    }
}

void read_wazzup(TableReader& reader, Wazzup& wazzup, const SecretSources& sources) {
    read_url(reader, "api_url", wazzup.api_url, false);
    if (auto key = read_secret(reader, "api_key", sources, true)) wazzup.api_key = std::move(*key);
    if (auto channel = required_string(reader, "channel_id")) wazzup.channel_id = *channel;
    if (auto channel = reader.string("waba_channel_id")) {
        if (channel->empty())
            reader.report().error(reader.node("waba_channel_id")->source(),
                                  "wazzup.waba_channel_id is empty");
        else
            wazzup.waba_channel_id = *channel;
    }
    if (auto secret = read_secret(reader, "webhook_secret", sources, true)) {
        // It is the last segment of POST /hooks/wazzup/<secret> (ARCHITECTURE.md, "Contracts").
        const auto& value = secret->reveal();
        if (!std::all_of(value.begin(), value.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
            })) {
            const auto* node = reader.node("webhook_secret");
            reader.report().error(node != nullptr ? node->source() : reader.where(),
                                  "wazzup.webhook_secret may hold only letters, digits and - _ . ~ "
                                  "(it is a URL path segment)");
        }
        wazzup.webhook_secret = std::move(*secret);
    }
    if (auto keys = reader.strings("channel_down_notify")) wazzup.channel_down_notify = *keys;
    if (auto text = reader.string("channel_down_text")) {
        if (text->empty())
            reader.report().error(reader.node("channel_down_text")->source(),
                                  "wazzup.channel_down_text is empty");
        else
            wazzup.channel_down_text = *text;
    }
    for (auto [key, field] : {std::pair{"send_refused_text", &wazzup.send_refused_text},
                              std::pair{"send_unknown_text", &wazzup.send_unknown_text}}) {
        if (auto text = reader.string(key)) {
            if (text->empty())
                reader.report().error(reader.node(key)->source(),
                                      "wazzup." + std::string(key) + " is empty");
            else
                *field = *text;
        }
    }
    if (const auto* templates = reader.table("templates")) {
        for (auto&& [name, node] : *templates) {
            const std::string key(name.str());
            const auto* table = node.as_table();
            if (table == nullptr) {
                reader.report().error(node.source(), "wazzup.templates.\"" + key +
                                                         "\" must be a table like { text = "
                                                         "\"...\" }, not " +
                                                         std::string(describe(node.type())));
                continue;
            }
            TableReader template_reader(*table, "wazzup.templates.\"" + key + "\"",
                                        reader.report());
            wazzup.templates[key] = read_template(template_reader, key);
            // What the config declares is all check-config knows of the channels: channel_id is
            // the WhatsApp channel for free text, waba_channel_id the WABA one for templates
            // (the same id in both: one WABA channel for everything).
            if (!wazzup.templates[key].waba_template_id.empty() && wazzup.waba_channel_id.empty())
                reader.report().error(
                    template_reader.node("waba_template_id")->source(),
                    "wazzup.templates.\"" + key +
                        "\" is a WABA template, but [wazzup] has no waba_channel_id: a WABA "
                        "template goes only through a WABA channel, and channel_id is the "
                        "WhatsApp channel for free text");
        }
    }
}

void read_server(TableReader& reader, Server& server) {
    if (auto address = reader.string("listen_address")) server.listen_address = *address;
    if (auto port = reader.integer("listen_port", 1, 65535)) {
        server.listen_port = static_cast<std::uint16_t>(*port);
    }
    if (auto address = reader.string("admin_address")) server.admin_address = *address;
    if (auto port = reader.integer("admin_port", 1, 65535)) {
        server.admin_port = static_cast<std::uint16_t>(*port);
    }
    read_url(reader, "public_url", server.public_url, false);
    if (auto n = reader.integer("max_connections", 1, 1000000))
        server.max_connections = static_cast<std::size_t>(*n);
    if (auto n = reader.integer("max_connections_per_address", 0, 1000000))
        server.max_connections_per_address = static_cast<std::size_t>(*n);
    if (const auto* node = reader.node("max_connections_per_address");
        node != nullptr && server.max_connections_per_address > server.max_connections) {
        reader.report().warning(node->source(),
                                "server.max_connections_per_address is above "
                                "server.max_connections: only the total cap applies");
    }
    if (auto seconds = reader.integer("engine_stall_seconds", 5, 86400))
        server.engine_stall = std::chrono::seconds{*seconds};
    if (server.listen_port == server.admin_port) {
        const auto* node = reader.node("admin_port");
        reader.report().error(node != nullptr ? node->source() : reader.where(),
                              "server.admin_port and server.listen_port are both " +
                                  std::to_string(server.admin_port));
    }
}

void read_store(TableReader& reader, Store& store) {
    if (auto path = reader.string("path")) {
        if (path->empty()) {
            reader.report().error(reader.node("path")->source(), "store.path is empty");
        } else {
            store.path = *path;
        }
    }
    // Up to a hundred years: "forever" is 0, not a large number.
    if (auto days = reader.integer("keep_done_events_days", 0, 36500))
        store.keep_done_events = std::chrono::days{*days};
    if (auto days = reader.integer("keep_journal_days", 0, 36500))
        store.keep_journal = std::chrono::days{*days};
    if (auto days = reader.integer("keep_closed_days", 0, 36500))
        store.keep_closed = std::chrono::days{*days};
    if (auto days = reader.integer("keep_marks_days", 0, 36500))
        store.keep_marks = std::chrono::days{*days};
}

void read_clock(TableReader& reader, ClockSettings& clock) {
    if (auto mode = reader.string("mode")) {
        if (*mode == "system") {
            clock.mode = ClockMode::system;
        } else if (*mode == "manual") {
            clock.mode = ClockMode::manual;
        } else if (*mode == "scaled") {
            clock.mode = ClockMode::scaled;
        } else {
            reader.report().error(
                reader.node("mode")->source(),
                "clock.mode must be \"system\", \"manual\" or \"scaled\", not '" + *mode + "'");
        }
    }
    if (const auto* start = reader.node("start")) {
        std::optional<TimePoint> t;
        if (const auto* value = start->as_date_time()) {
            t = to_time_point(value->get());
        } else if (const auto* text = start->as_string()) {
            // The same reading as POST /admin/clock's {"now": ...}, but an offset is required:
            // a start without one would silently mean UTC.
            const auto& iso = text->get();
            const bool has_offset =
                !iso.empty() && (iso.back() == 'Z' || iso.back() == 'z' ||
                                 iso.find_first_of("+-", 19) != std::string::npos);
            if (has_offset) t = parse_iso8601(iso);
        }
        if (t && (t->time_since_epoch().count() < 0 ||
                  *t > TimePoint(std::chrono::seconds(4133980799)))) {
            reader.report().error(start->source(),
                                  "clock.start must lie between 1970-01-01 and 2100-12-31");
        } else if (t) {
            clock.start = *t;
            if (clock.mode == ClockMode::system) {
                reader.report().warning(start->source(),
                                        "clock.start is ignored when clock.mode is \"system\"");
            }
        } else {
            reader.report().error(start->source(),
                                  "clock.start must be a date-time with an offset, like "
                                  "2026-03-02T09:00:00+03:00");
        }
    }
    if (auto factor = reader.number("factor")) {
        if (*factor > 0) {
            clock.factor = *factor;
        } else {
            reader.report().error(reader.node("factor")->source(), "clock.factor must be above 0");
        }
        if (clock.mode != ClockMode::scaled) {
            reader.report().warning(reader.node("factor")->source(),
                                    "clock.factor is used only when clock.mode is \"scaled\"");
        }
    }
}

void read_log(TableReader& reader, std::string& level) {
    static constexpr std::array<std::string_view, 7> levels = {"trace", "debug",    "info", "warn",
                                                               "error", "critical", "off"};
    if (auto value = reader.string("level")) {
        if (std::find(levels.begin(), levels.end(), *value) != levels.end()) {
            level = *value;
        } else {
            reader.report().error(reader.node("level")->source(),
                                  "log.level must be one of trace, debug, info, warn, error, "
                                  "critical, off; not '" +
                                      *value + "'");
        }
    }
}

}  // namespace reglament::config
