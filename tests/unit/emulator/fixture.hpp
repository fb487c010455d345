// A test emulator with its own fake wall clock, so tests move time instead of sleeping.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "emulator/emulator.hpp"
#include "net/form.hpp"

namespace emu_test {

using reglament::emulator::Caller;
using reglament::emulator::Emulator;
using reglament::emulator::EmulatorOptions;
using reglament::emulator::Instant;
using reglament::emulator::json;
using reglament::emulator::parse_instant;

inline Instant at(const std::string& iso) {
    return *parse_instant(iso, 180);
}

struct Portal {
    Instant wall = at("2026-01-12T09:00:00+03:00");
    Emulator emu{EmulatorOptions{}, [this] { return wall; }};
    Caller caller{1, "webhook:1"};

    Portal() { emu.bucket.configure(1e9, 1e9); }

    // A successful call's whole body; fails the test on an error.
    json ok(const std::string& method, const json& params = json::object()) {
        auto r = emu.handle_rest(method, params, caller, emu.clock.now());
        INFO(method << " -> " << r.body.dump());
        REQUIRE(r.status == 200);
        return r.body;
    }
    reglament::emulator::RestAnswer call(const std::string& method,
                                         const json& params = json::object()) {
        return emu.handle_rest(method, params, caller, emu.clock.now());
    }
    reglament::net::Response http(const std::string& method, const std::string& target,
                                  const std::string& body = "",
                                  const std::string& type = "application/json",
                                  reglament::net::Headers headers = {}) {
        reglament::net::Request r;
        r.method = method;
        r.target = target;
        r.body = body;
        r.headers = std::move(headers);
        r.headers.push_back({"Content-Type", type});
        return emu.handle_http(r).response;
    }
    json control(const std::string& method, const std::string& path, const json& body = nullptr) {
        auto r = http(method, "/_emulator/" + path, body.is_null() ? "" : body.dump());
        INFO(path << " -> " << r.body);
        REQUIRE(r.status == 200);
        return json::parse(r.body);
    }
    void load_demo() {
        std::ifstream in(std::string(REGLAMENT_SOURCE_DIR) +
                         "/emulator/scenarios/call-centre.json");
        REQUIRE(in.good());
        emu.load_scenario(json::parse(in));
    }
};

}  // namespace emu_test
