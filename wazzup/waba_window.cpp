#include "wazzup/waba_window.hpp"

namespace reglament::wazzup {

WindowDecision waba_window(std::optional<TimePoint> last_inbound, TimePoint now) {
    if (last_inbound && now - *last_inbound < kWabaWindow) return WindowDecision::text_allowed;
    return WindowDecision::template_only;
}

void InboundWindows::record(const std::string& channel_id, const std::string& chat_id,
                            TimePoint at) {
    auto [it, inserted] = last_.try_emplace({channel_id, chat_id}, at);
    if (!inserted && it->second < at) it->second = at;
}

std::optional<TimePoint> InboundWindows::last_inbound(const std::string& channel_id,
                                                      const std::string& chat_id) const {
    auto it = last_.find({channel_id, chat_id});
    if (it == last_.end()) return std::nullopt;
    return it->second;
}

WindowDecision InboundWindows::decide(const std::string& channel_id, const std::string& chat_id,
                                      TimePoint now) const {
    return waba_window(last_inbound(channel_id, chat_id), now);
}

}  // namespace reglament::wazzup
