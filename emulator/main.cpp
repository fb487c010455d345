#include "emulator/server.hpp"

int main(int argc, char** argv) {
    return reglament::emulator::run_emulator_main(argc, argv);
}
