// Stored text shown at an admin's terminal (status, journal, requeue): a hostile event's id
// may hold control bytes or invalid UTF-8, which must neither garble the terminal nor hide
// what is stored. Valid UTF-8 passes; any other byte and control characters print as \xNN.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace reglament::daemon {

inline std::string printable(std::string_view text) {
    std::string out;
    auto escape = [&](unsigned char c) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", c);
        out += buf;
    };
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 0;
        bool ok = n > 0 && i + n <= text.size() && !(n == 2 && c < 0xC2);
        for (std::size_t k = 1; ok && k < n; ++k)
            ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
        if (!ok) {
            escape(c);
            ++i;
            continue;
        }
        if (n == 1 && (c < 0x20 || c == 0x7F)) {
            escape(c);
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

}  // namespace reglament::daemon
