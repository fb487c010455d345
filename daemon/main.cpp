#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"reglamentd: enforces a call centre's sales regulations inside Bitrix24"};
    app.set_version_flag("--version", std::string(reglament::version()));
    app.require_subcommand(1);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
