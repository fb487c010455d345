#include "daemon/replacement_report_command.hpp"

#include <fstream>
#include <iostream>
#include <map>

#include <boost/asio/io_context.hpp>

#include "bitrix/client.hpp"
#include "bitrix/datetime.hpp"
#include "config/config.hpp"
#include "daemon/call_target.hpp"
#include "daemon/command_config.hpp"
#include "daemon/entity_model.hpp"
#include "rules/calls/call_rules.hpp"
#include "rules/calls/replacement_report.hpp"
#include "rules/deal/common.hpp"
#include "rules/deal/defaults.hpp"
#include "rules/iso_time.hpp"
#include "rules/phone.hpp"

namespace reglament::daemon {

namespace calls = rules::calls;

std::vector<calls::NumberRecord> number_records(const nlohmann::json& leads,
                                                const nlohmann::json& call_rows,
                                                const std::string& qualifying_field,
                                                const std::string& no_value) {
    std::vector<calls::NumberRecord> out;
    std::map<std::string, std::size_t> by_lead;
    std::multimap<std::string, std::size_t> by_phone;
    std::vector<rules::Lead> models;  // beside `out`, for choose_lead
    for (const auto& row : leads) {
        auto id = row.contains("ID") ? row["ID"] : row.value("id", nlohmann::json());
        if (id.is_null()) continue;
        rules::EntityRef ref{"lead", id.is_string() ? id.get<std::string>() : id.dump()};
        auto entity = entity_from_rest(ref, row);
        const auto* lead = std::get_if<rules::Lead>(&entity);
        if (!lead || lead->phones.empty() || !lead->created) continue;
        calls::NumberRecord n;
        n.phone = lead->phones.front();
        n.lead_id = lead->id;
        n.arrived = *lead->created;
        n.answered_no = !qualifying_field.empty() &&
                        rules::deal::field_text(lead->fields, qualifying_field) == no_value;
        by_lead[n.lead_id] = out.size();
        for (const auto& phone : lead->phones)
            if (auto digits = rules::normalise_phone(phone); !digits.empty())
                by_phone.emplace(digits, out.size());
        out.push_back(std::move(n));
        models.push_back(*lead);
    }
    for (const auto& row : call_rows) {
        auto call = call_from_rest(row);
        if (!call.outgoing() || !call.start) continue;
        calls::Attempt a{*call.start, call.duration_seconds, call.failed_code, call.answered()};
        // A call counts once, on its own lead: the one the portal names (a lead outside the
        // period, a deal or a contact is none of these numbers), else the one choose_lead
        // picks among the leads with its number, never every duplicate lead.
        if (!call.crm_entity_type.empty() && !call.crm_entity_id.empty() &&
            call.crm_entity_id != "0") {
            if (call.crm_entity_type != "LEAD") continue;
            if (auto it = by_lead.find(call.crm_entity_id); it != by_lead.end())
                out[it->second].attempts.push_back(a);
            continue;
        }
        auto digits = rules::normalise_phone(call.phone);
        if (digits.empty()) continue;
        auto [first, last] = by_phone.equal_range(digits);
        std::vector<rules::Lead> candidates;
        for (auto it = first; it != last; ++it)
            candidates.push_back(models[it->second]);
        if (auto chosen = choose_lead(candidates)) out[by_lead.at(*chosen)].attempts.push_back(a);
    }
    return out;
}

namespace {

// "2026-03-02" → the local day's start (or, for `end`, the next day's start); ISO as given.
std::optional<TimePoint> period_bound(const std::string& text, const Calendar& cal, bool end) {
    if (text.size() == 10) {
        auto day = rules::deal::field_day(nlohmann::json{{"d", text}}, "d", cal);
        if (!day) return std::nullopt;
        return cal.from_local(LocalTime{*day + date::days{end ? 1 : 0}});
    }
    return parse_iso8601(text);
}

struct Fetched {
    nlohmann::json leads = nlohmann::json::array();
    nlohmann::json calls = nlohmann::json::array();
    std::optional<std::string> error;
};

Fetched fetch(const config::Config& cfg, TimePoint from, TimePoint to, TimePoint calls_to,
              const std::string& qualifying_field) {
    Fetched f;
    boost::asio::io_context io;
    SystemClock clock;
    bitrix::ClientOptions o;
    o.webhook_url = cfg.portal.webhook_url->reveal();
    o.bucket.burst = cfg.portal.rate_limit.burst;
    o.bucket.drain_per_second = cfg.portal.rate_limit.drain_per_second;
    bitrix::Client client(io, o, clock);

    bitrix::ListRequest leads{"crm.lead.list"};
    leads.filter = {{">=DATE_CREATE", bitrix::format_datetime(from)},
                    {"<DATE_CREATE", bitrix::format_datetime(to)}};
    leads.select = {"ID",          "TITLE", "STATUS_ID", "STATUS_SEMANTIC_ID", "ASSIGNED_BY_ID",
                    "DATE_CREATE", "PHONE"};
    if (!qualifying_field.empty()) leads.select.push_back(qualifying_field);
    bitrix::ListRequest call_list{"voximplant.statistic.get"};
    call_list.filter = {{">=CALL_START_DATE", bitrix::format_datetime(from)},
                        {"<=CALL_START_DATE", bitrix::format_datetime(calls_to)}};

    auto finish = [&](std::optional<bitrix::Error> e) {
        if (e && !f.error) f.error = e->to_string();
        client.shutdown();
        io.stop();
    };
    client.list_all(
        leads,
        [&](const nlohmann::json& items) {
            for (const auto& i : items)
                f.leads.push_back(i);
        },
        [&](std::optional<bitrix::Error> e) {
            if (e) return finish(e);
            client.list_all(
                call_list,
                [&](const nlohmann::json& items) {
                    for (const auto& i : items)
                        f.calls.push_back(i);
                },
                finish);
        });
    io.run();
    return f;
}

}  // namespace

int replacement_report_command(const ReplacementReportOptions& options) {
    auto loaded = load_for_command(options.config_path);
    if (!loaded) return 1;
    const auto& cfg = *loaded;
    if (!cfg.portal.webhook_url) {
        // OAuth refresh tokens rotate and belong to the running daemon: a second user of them
        // would leave the daemon with a dead token.
        std::cerr << options.config_path
                  << ": replacement-report reads the portal through [portal] webhook_url; "
                     "this config has none\n";
        return 1;
    }
    Calendar cal(cfg.calendar);
    auto from = period_bound(options.from, cal, false);
    auto to = period_bound(options.to, cal, true);
    if (!from || !to || !(*from < *to)) {
        std::cerr << "--from/--to: expected dates (2026-03-02) or ISO 8601 moments with an "
                     "offset, --from before --to\n";
        return 2;
    }

    rules::deal::ParamReader r5("R5", cfg.rule("R5").params);
    auto spec = calls::read_dial_plan(r5);
    calls::ReplacementReportInput input;
    input.from = *from;
    input.to = *to;
    input.login = options.login.value_or(r5.text("login", ""));
    input.script = options.script.value_or(r5.text("script", ""));
    input.max_share = r5.number("max_share", 0.30, 0.0, 1.0);
    input.request_template =
        r5.required_text("request_text", rules::deal::defaults::r5::request_text);
    rules::deal::ParamReader r4("R4", cfg.rule("R4").params);
    auto qualifying = r4.text("qualifying_field", rules::deal::defaults::r4::qualifying_field);
    auto no_value = r4.text("qualifying_no_value", rules::deal::defaults::r4::qualifying_no);

    SystemClock clock;
    input.as_of = clock.now();
    // Calls count up to the close of the last plan window that starts in the period.
    auto calls_to = calls::plan_window_end(*to, cal, spec);
    auto fetched = fetch(cfg, *from, *to, calls_to, qualifying);
    if (fetched.error) {
        std::cerr << "portal: " << *fetched.error << "\n";
        return 1;
    }
    auto numbers = number_records(fetched.leads, fetched.calls, qualifying, no_value);
    auto report = calls::build_replacement_report(numbers, input, cal, spec);
    std::cout << report.text;
    if (options.csv) {
        std::ofstream out(*options.csv, std::ios::binary | std::ios::trunc);
        out << report.csv;
        if (!out) {
            std::cerr << *options.csv << ": cannot write the CSV\n";
            return 1;
        }
        std::cout << "CSV: " << *options.csv << "\n";
    }
    return 0;
}

}  // namespace reglament::daemon
