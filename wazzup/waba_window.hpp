// The WABA 24-hour customer-service window (wazzup.md §5): free text only within 24 h of the
// client's last inbound message on that channel; otherwise only an approved template. Personal
// WhatsApp channels have no window. Business time: TimePoint from reglament::Clock.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "rules/clock.hpp"

namespace reglament::wazzup {

enum class WindowDecision { text_allowed, template_only };

inline constexpr std::chrono::hours kWabaWindow{24};

// No inbound message at all, or the last one 24 h or more ago: template only.
WindowDecision waba_window(std::optional<TimePoint> last_inbound, TimePoint now);

// Last inbound message time per (channelId, chatId), fed from `messages` webhooks.
class InboundWindows {
  public:
    // Keeps the latest time: webhooks may arrive out of order.
    void record(const std::string& channel_id, const std::string& chat_id, TimePoint at);
    std::optional<TimePoint> last_inbound(const std::string& channel_id,
                                          const std::string& chat_id) const;
    WindowDecision decide(const std::string& channel_id, const std::string& chat_id,
                          TimePoint now) const;

  private:
    std::map<std::pair<std::string, std::string>, TimePoint> last_;
};

}  // namespace reglament::wazzup
