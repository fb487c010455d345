// A sweep over a state with a year's history (issue 19, item 9): `--closed` closed and `--open`
// open leads, deals and tasks (one third each), their snapshots as the engine stores them. Then
// one sweep's read of the store, the way the engine decodes it (entity_from_snapshot), timed,
// with this process's resident set size before and after:
//
//   store_sweep_bench --mode all|open [--closed N] [--open N] [--file PATH] [--reuse yes]
//
// `--mode all` is the sweep before issue 19 (Store::for_each_snapshot over "lead:", "deal:",
// "task:", every row of the history); `--mode open` the sweep now (for_each_open_snapshot).
// Run each mode in its own process (RSS is per process); `--reuse yes` keeps a file already filled.
// Durations come from steady_clock: this measures the machine, not business time.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/store_bench_flags.hpp"
#include "daemon/entity_model.hpp"
#include "rules/model.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace reglament;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
    return std::chrono::duration<double>(Steady::now() - start).count();
}

// Resident set size now and at its peak, from /proc (kB).
std::string memory() {
    std::ifstream status("/proc/self/status");
    std::string line, out;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0 || line.rfind("VmHWM:", 0) == 0)
            out += line.substr(0, 6) + " " + line.substr(line.find_first_not_of(" \t", 6)) + "  ";
    return out;
}

// An entity as a busy portal has it: title, names, a phone, an e-mail, a few user fields.
rules::Entity entity(long n, bool open) {
    const std::string id = std::to_string(n);
    const TimePoint created{std::chrono::milliseconds(1'740'000'000'000LL + n * 1000)};
    switch (n % 3) {
        case 0: {
            rules::Lead l;
            l.id = id;
            l.title = "Заявка с сайта: балкон под ключ, клиент " + id;
            l.status_id = open ? "IN_PROCESS" : "CONVERTED";
            l.status_semantic = open ? "P" : "S";
            l.assigned_by_id = std::to_string(10 + n % 6);
            l.name = "Иван";
            l.last_name = "Петров";
            l.phones = {"+7 916 " + std::to_string(1'000'000 + n % 9'000'000)};
            l.emails = {"client" + id + "@example.ru"};
            l.source_id = "WEB";
            l.created = l.modified = l.moved = created;
            l.fields = {{"UF_CRM_MEETING_DATE", ""}, {"UF_CRM_CITY", "Москва"}};
            return l;
        }
        case 1: {
            rules::Deal d;
            d.id = id;
            d.title = "Остекление балкона, договор " + id;
            d.category_id = "1";
            d.stage_id = open ? "C1:PREPARATION" : "C1:WON";
            d.stage_semantic = open ? "P" : "S";
            d.assigned_by_id = std::to_string(10 + n % 6);
            d.lead_id = std::to_string(n - 1);
            d.opportunity = 150000;
            d.closed = !open;
            d.created = d.modified = d.moved = created;
            d.fields = {{"UF_CRM_CONTRACT", "Д-" + id}, {"UF_CRM_ADDRESS", "ул. Ленина, 1"}};
            return d;
        }
        default: {
            rules::Task t;
            t.id = id;
            t.title = "[Регламент] Позвонить клиенту (попытка 1 из 3)";
            t.description = "Перезвонить клиенту по заявке.\nreglament:R2:lead:" + id + ":1";
            t.responsible_id = std::to_string(10 + n % 6);
            t.created_by = "1";
            t.status = open ? 2 : 5;
            t.deadline = t.created = t.changed = created;
            if (!open) t.closed = created;
            t.crm_bindings = {"L_" + std::to_string(n - 2)};
            return t;
        }
    }
}

const char* type_of(long n) {
    return n % 3 == 0 ? "lead" : n % 3 == 1 ? "deal" : "task";
}

void fill(store::SqliteStore& store, long closed, long open) {
    const auto start = Steady::now();
    constexpr long kPerCommit = 10'000;
    const long total = closed + open;
    for (long first = 0; first < total; first += kPerCommit) {
        store::EngineCommit work;
        for (long n = first; n < std::min(total, first + kPerCommit); ++n) {
            // The open ones spread over the key range, as they are on a real portal.
            const bool is_open = n % (total / open) == 0;
            rules::EntityRef ref{type_of(n), std::to_string(n)};
            work.snapshots.push_back(
                daemon::snapshot_of(ref, entity(n, is_open), TimePoint(std::chrono::hours(1))));
        }
        store.commit(work);
    }
    std::printf("filled %ld snapshots in %.1f s\n", total, seconds_since(start));
}

}  // namespace

int main(int argc, char** argv) {
    const store::bench::Flags flags(argc, argv,
                                    {"mode", "closed", "open", "file", "reuse", "sync"});
    const std::string mode = flags.text("mode", "open");
    const long closed = flags.number("closed", 1'000'000);
    const long open = flags.number("open", 10'000);
    const bool reuse = flags.text("reuse", "no") != "no";
    std::filesystem::path file = flags.text(
        "file", (std::filesystem::temp_directory_path() / "reglament-sweep.db").string());
    if (!reuse || !std::filesystem::exists(file)) {
        file = flags.fresh_database("reglament-sweep.db");
        store::SqliteOptions o;
        o.sync = store::SqliteOptions::Sync::normal;
        store::SqliteStore store(file, o);
        fill(store, closed, open);
    }
    std::printf("file %s: %.0f MB\n", file.c_str(),
                static_cast<double>(std::filesystem::file_size(file)) / 1e6);

    store::SqliteStore store(file, flags.options());
    std::printf("before the sweep: %s\n", memory().c_str());
    for (int round = 1; round <= 3; ++round) {
        long seen = 0, in_process = 0;
        const auto start = Steady::now();
        for (const char* prefix : {"lead:", "deal:", "task:"}) {
            auto visit = [&](const store::Snapshot& snap) {
                auto ref = rules::EntityRef::parse(snap.entity_key);
                auto e = daemon::entity_from_snapshot(ref, snap.json);
                ++seen;
                if (daemon::in_process(e)) ++in_process;
            };
            if (mode == "all")
                store.for_each_snapshot(prefix, visit);
            else
                store.for_each_open_snapshot(prefix, visit);
        }
        std::printf("sweep %d (%s): %ld snapshots read, %ld in process, %.3f s; %s\n", round,
                    mode.c_str(), seen, in_process, seconds_since(start), memory().c_str());
    }
    return 0;
}
