#include "daemon/version.hpp"

namespace reglament {
std::string_view version() {
    return REGLAMENT_VERSION;
}
}  // namespace reglament
