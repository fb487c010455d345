#pragma once

#include <string_view>

namespace reglament {
std::string_view version();
}
