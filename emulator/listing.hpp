// The list machinery shared by every *.list method: resolve filter and order against a field
// table, walk the rows, count them (charged as operating time) unless start=-1, cut a page of
// 50 and render the selected fields.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/portal.hpp"
#include "emulator/query.hpp"
#include "emulator/rest_error.hpp"

namespace reglament::emulator {

// Operating-time model: a fixed cost per call plus a cost per row looked at, so counting
// 2.4 million rows costs about 48 s, as the "huge data" page measured (bitrix24.md §4).
constexpr double kBaseCost = 0.002;
constexpr double kRowCost = 0.00002;

inline std::string upper(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

template <class Row>
const Field<Row>* find_field(const std::vector<Field<Row>>& fields, const std::string& name) {
    auto up = upper(name);
    for (const auto& f : fields)
        if (f.name == up || f.camel == name || upper(f.camel) == up) return &f;
    return nullptr;
}

template <class Row>
struct ListOutcome {
    std::vector<const Row*> page;
    std::int64_t total = 0;
    std::optional<std::int64_t> next;
    double cost = kBaseCost;
};

template <class Row>
ListOutcome<Row> run_list(const std::vector<Row>& rows, const std::vector<Field<Row>>& fields,
                          const json& filter, const json& order, std::int64_t start, int offset) {
    struct Bound {
        const Field<Row>* field;
        Condition cond;
    };
    std::vector<Bound> conds;
    for (auto& c : parse_filter(filter)) {
        // Unknown filter keys are ignored, as the legacy methods do.
        if (const auto* f = find_field(fields, c.field)) conds.push_back({f, std::move(c)});
    }
    std::vector<std::pair<const Field<Row>*, bool>> sort_by;  // field, descending
    if (order.is_object()) {
        for (auto it = order.begin(); it != order.end(); ++it) {
            const auto* f = find_field(fields, it.key());
            if (!f) continue;
            auto dir = it.value().is_string() ? upper(it.value().template get<std::string>()) : "";
            sort_by.push_back({f, dir == "DESC"});
        }
    }
    bool natural = sort_by.empty() ||
                   (sort_by.size() == 1 && sort_by[0].first->name == "ID" && !sort_by[0].second);
    auto match = [&](const Row& r) {
        for (const auto& b : conds)
            if (!matches(b.field->kind, b.field->get(r), b.cond, offset)) return false;
        return true;
    };

    ListOutcome<Row> out;
    std::int64_t scanned = 0;
    if (natural) {
        // Rows are kept in id order, so ">ID" needs no scan of what lies below it.
        auto first = rows.begin();
        for (const auto& b : conds) {
            if (b.field->name != "ID" || (b.cond.op != ">" && b.cond.op != ">=")) continue;
            double v = 0;
            try {
                v = b.cond.value.is_string() ? std::stod(b.cond.value.template get<std::string>())
                                             : b.cond.value.template get<double>();
            } catch (...) {
                continue;
            }
            first = std::lower_bound(first, rows.end(), v, [&](const Row& r, double x) {
                return b.cond.op == ">" ? double(r.id) <= x : double(r.id) < x;
            });
        }
        std::int64_t skip = start < 0 ? 0 : start;
        std::int64_t matched = 0;
        for (auto it = first; it != rows.end(); ++it) {
            ++scanned;
            if (!match(*it)) continue;
            if (matched >= skip && std::int64_t(out.page.size()) < Page::size)
                out.page.push_back(&*it);
            ++matched;
            if (start < 0 && std::int64_t(out.page.size()) >= Page::size) break;
        }
        out.total = start < 0 ? 0 : matched;
    } else {
        std::vector<const Row*> all;
        for (const auto& r : rows) {
            ++scanned;
            if (match(r)) all.push_back(&r);
        }
        std::stable_sort(all.begin(), all.end(), [&](const Row* a, const Row* b) {
            for (const auto& [f, desc] : sort_by) {
                int c = compare_values(f->kind, f->get(*a), f->get(*b), offset);
                if (c != 0) return desc ? c > 0 : c < 0;
            }
            return false;
        });
        std::int64_t skip = start < 0 ? 0 : start;
        for (std::int64_t i = skip; i < std::int64_t(all.size()) && i < skip + Page::size; ++i)
            out.page.push_back(all[i]);
        out.total = start < 0 ? 0 : std::int64_t(all.size());
    }
    if (start >= 0 && start + Page::size < out.total) out.next = start + Page::size;
    out.cost = kBaseCost + kRowCost * double(start < 0 ? std::int64_t(out.page.size()) : scanned);
    return out;
}

// Which fields to render: "*" the defaults, "UF_*" all user fields, otherwise by name.
template <class Row>
std::vector<const Field<Row>*> resolve_select(const std::vector<Field<Row>>& fields,
                                              const json& select, bool all_when_empty) {
    std::vector<const Field<Row>*> out;
    auto add = [&](const Field<Row>* f) {
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    };
    bool empty = !select.is_array() || select.empty();
    if (empty) {
        for (const auto& f : fields)
            if (f.in_default || all_when_empty) add(&f);
        return out;
    }
    for (const auto& s : select) {
        if (!s.is_string()) continue;
        auto name = s.get<std::string>();
        if (name == "*") {
            for (const auto& f : fields)
                if (f.in_default) add(&f);
        } else if (upper(name) == "UF_*") {
            for (const auto& f : fields)
                if (f.name.rfind("UF_", 0) == 0) add(&f);
        } else if (const auto* f = find_field(fields, name)) {
            add(f);
        }
    }
    if (const auto* id = find_field(fields, "ID")) {
        if (std::find(out.begin(), out.end(), id) == out.end()) out.insert(out.begin(), id);
    }
    return out;
}

template <class Row>
json render(const Row& r, const std::vector<const Field<Row>*>& sel, bool camel) {
    json o = json::object();
    for (const auto* f : sel) {
        if (camel)
            o[f->camel] = camel_value(f->kind, f->get(r));
        else
            o[f->name] = f->get(r);
    }
    return o;
}

// Every field, for *.get methods.
template <class Row>
std::vector<const Field<Row>*> all_fields(const std::vector<Field<Row>>& fields) {
    std::vector<const Field<Row>*> sel;
    for (const auto& f : fields)
        sel.push_back(&f);
    return sel;
}

// The legacy *.list answer: rows with UPPER_CASE keys, plus total, next and the cost.
// `filter` and `order` are the request's own unless a method rewrites them.
template <class Row>
MethodResult legacy_list(const std::vector<Row>& rows, const std::vector<Field<Row>>& fields,
                         const json& params, const json& filter, const json& order, int offset,
                         bool all_when_empty = false) {
    auto out = run_list(rows, fields, filter, order, parse_start(params), offset);
    const json* select = param(params, "select");
    auto sel = resolve_select(fields, select ? *select : json(), all_when_empty);
    json page = json::array();
    for (const Row* r : out.page)
        page.push_back(render(*r, sel, false));
    return {std::move(page), out.total, out.next, out.cost};
}

// Same, with filter and order taken from the parameters.
template <class Row>
MethodResult legacy_list(const std::vector<Row>& rows, const std::vector<Field<Row>>& fields,
                         const json& params, int offset, bool all_when_empty = false) {
    const json* filter = param(params, "filter");
    const json* order = param(params, "order");
    return legacy_list(rows, fields, params, filter ? *filter : json(), order ? *order : json(),
                       offset, all_when_empty);
}

}  // namespace reglament::emulator
