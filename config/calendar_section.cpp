// [calendar]: every key left out keeps the Russian 2026 production calendar's value.
#include <algorithm>
#include <sstream>

#include "config/sections.hpp"

namespace reglament::config {

namespace {

constexpr std::array<std::string_view, 7> weekday_names = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

// A TOML local date (2026-05-01) or the same as a string.
std::optional<date::year_month_day> read_date(const toml::node& node, Report& report,
                                              const std::string& what) {
    std::optional<toml::date> value;
    if (const auto* d = node.as_date()) {
        value = d->get();
    } else if (const auto* s = node.as_string()) {
        try {
            auto parsed = toml::parse("v = " + s->get());
            if (const auto* d = parsed["v"].as_date()) value = d->get();
        } catch (const toml::parse_error&) {
        }
    }
    if (!value) {
        report.error(node.source(), what + " must be a date like 2026-05-01, not " +
                                        (node.is_string() ? "'" + *node.value<std::string>() + "'"
                                                          : std::string(describe(node.type()))));
        return std::nullopt;
    }
    const date::year_month_day ymd{date::year{value->year}, date::month{value->month},
                                   date::day{value->day}};
    if (!ymd.ok()) {
        report.error(node.source(), what + " is not a real date");
        return std::nullopt;
    }
    return ymd;
}

// ["09:00-13:00", "14:00-18:00"]: every element parsed, then checked for overlaps.
std::optional<DayHours> read_day_hours(const toml::node& node, Report& report,
                                       const std::string& what) {
    const auto* array = node.as_array();
    if (array == nullptr) {
        report.error(node.source(), what + " must be an array like [\"09:00-18:00\"], not " +
                                        std::string(describe(node.type())));
        return std::nullopt;
    }
    DayHours hours;
    bool ok = true;
    for (const auto& element : *array) {
        const auto* text = element.as_string();
        if (text == nullptr) {
            report.error(element.source(), what + " must hold strings \"HH:MM-HH:MM\"");
            ok = false;
            continue;
        }
        try {
            hours.push_back(parse_work_interval(text->get()));
        } catch (const std::invalid_argument& e) {
            report.error(element.source(), what + ": " + e.what());
            ok = false;
        }
    }
    std::sort(hours.begin(), hours.end(),
              [](const WorkInterval& a, const WorkInterval& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < hours.size(); ++i) {
        if (hours[i - 1].end > hours[i].begin) {
            report.error(node.source(), what + ": working hours " +
                                            format_work_interval(hours[i - 1]) + " and " +
                                            format_work_interval(hours[i]) + " overlap");
            ok = false;
        }
    }
    return ok ? std::optional<DayHours>(std::move(hours)) : std::nullopt;
}

// An array whose elements are a date or a table { date = …, <more> }; `more` reads the rest.
template <typename Element, typename More>
std::optional<std::vector<Element>> read_dated_list(TableReader& reader, std::string_view key,
                                                    More more) {
    const auto* array = reader.array(key);
    if (array == nullptr) return std::nullopt;
    std::vector<Element> out;
    const auto what = reader.path(key);
    for (const auto& element : *array) {
        Element item{};
        if (const auto* table = element.as_table()) {
            TableReader item_reader(*table, what, reader.report());
            const auto* date_node = item_reader.node("date");
            if (date_node == nullptr) {
                reader.report().error(element.source(), what + ": an entry has no date");
                item_reader.accept_all();
                continue;
            }
            auto day = read_date(*date_node, reader.report(), what + ".date");
            if (!day) {
                item_reader.accept_all();
                continue;
            }
            item.day = *day;
            more(item, &item_reader);
        } else {
            auto day = read_date(element, reader.report(), what);
            if (!day) continue;
            item.day = *day;
            more(item, nullptr);
        }
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace

std::optional<std::array<DayHours, 7>> read_weekly_hours(TableReader& reader) {
    std::array<DayHours, 7> weekly;
    bool ok = true;
    for (std::size_t i = 0; i < weekday_names.size(); ++i) {
        const auto* node = reader.node(weekday_names[i]);
        if (node == nullptr) continue;
        if (auto hours = read_day_hours(*node, reader.report(), reader.path(weekday_names[i]))) {
            weekly[i] = std::move(*hours);
        } else {
            ok = false;
        }
    }
    return ok ? std::optional(weekly) : std::nullopt;
}

void read_calendar(TableReader& reader, CalendarSpec& spec) {
    const auto errors_before = reader.report().error_count();
    spec = russian_calendar_2026();
    if (auto zone = reader.string("zone")) {
        if (is_known_zone(*zone)) {
            spec.zone = *zone;
        } else {
            reader.report().error(reader.node("zone")->source(),
                                  "calendar.zone: unknown time zone '" + *zone + "'");
        }
    }
    if (const auto* hours = reader.table("hours")) {
        TableReader hours_reader(*hours, reader.path("hours"), reader.report());
        if (auto weekly = read_weekly_hours(hours_reader)) {
            if (std::all_of(weekly->begin(), weekly->end(),
                            [](const DayHours& h) { return h.empty(); })) {
                reader.report().error(hours->source(), "calendar.hours has no working hours");
            }
            spec.weekly = std::move(*weekly);
        }
    }
    if (const auto* holidays = reader.array("holidays")) {
        spec.holidays.clear();
        for (const auto& element : *holidays) {
            if (auto day = read_date(element, reader.report(), "calendar.holidays")) {
                spec.holidays.insert(*day);
            }
        }
    }
    auto shortened = read_dated_list<ShortenedDay>(
        reader, "shortened_days", [](ShortenedDay& day, TableReader* more) {
            if (more == nullptr) return;
            if (auto by = more->integer("by_minutes", 1, 24 * 60))
                day.by = std::chrono::minutes{*by};
        });
    if (shortened) spec.shortened_days = std::move(*shortened);

    // An extra working day without hours works a standard day: the first weekday with hours.
    DayHours standard_day;
    for (const auto& day : spec.weekly) {
        if (!day.empty()) {
            standard_day = day;
            break;
        }
    }
    auto extra = read_dated_list<ExtraWorkingDay>(
        reader, "extra_working_days", [&](ExtraWorkingDay& day, TableReader* more) {
            day.hours = standard_day;
            if (more == nullptr) return;
            if (const auto* hours = more->node("hours")) {
                if (auto parsed = read_day_hours(*hours, reader.report(),
                                                 "calendar.extra_working_days.hours")) {
                    day.hours = std::move(*parsed);
                }
            }
        });
    if (extra) spec.extra_working_days = std::move(*extra);

    if (auto fixed = reader.strings("fixed_holidays")) {
        spec.fixed_holidays.clear();
        for (const auto& text : *fixed) {
            unsigned m = 0, d = 0;
            char dash = 0;
            std::istringstream in(text);
            in >> m >> dash >> d;
            const date::month_day md{date::month{m}, date::day{d}};
            if (!in || dash != '-' || !in.eof() || !md.ok()) {
                reader.report().error(
                    reader.node("fixed_holidays")->source(),
                    "calendar.fixed_holidays: '" + text + "' is not a month-day like \"01-07\"");
                continue;
            }
            spec.fixed_holidays.push_back(md);
        }
    }

    // The Calendar's own checks, once the parts are sound, so nothing is reported twice.
    if (reader.report().error_count() == errors_before) {
        try {
            Calendar check(spec);
        } catch (const std::exception& e) {
            reader.report().error(reader.where(), std::string("calendar: ") + e.what());
        }
    }
}

}  // namespace reglament::config
