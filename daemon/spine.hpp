// The daemon's working parts wired together (ARCHITECTURE.md "Data flow"): the store, the
// intake that fills its inbox, the engine that decides, the outbox that writes to Bitrix24 and
// Wazzup, and the poller that catches what the portal did not send. daemon.cpp owns one and
// feeds it requests, reloads and the stop signal.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "net/http_message.hpp"
#include "net/http_server.hpp"
#include "rules/clock.hpp"

namespace boost::asio {
class io_context;
}

namespace reglament::daemon {

class Spine {
  public:
    // Opens the store (creating its folder) and builds the clients; throws with a sentence
    // when the store cannot be opened or a client cannot be configured.
    // `answer_on` runs the answers to a committed batch of webhook events (one function per
    // batch, see store::InboxWriter::Options::deliver); unset, they run on the writer thread.
    Spine(boost::asio::io_context& io, const config::Config& config, const Clock& clock,
          bool dry_run, Metrics& metrics,
          std::function<void(std::function<void()>)> answer_on = {});
    ~Spine();
    Spine(const Spine&) = delete;
    Spine& operator=(const Spine&) = delete;

    void start();
    // Stops taking work; committed events and queued actions wait in the store for the next
    // start.
    void stop();
    // POST /hooks/bitrix and /hooks/wazzup/<secret>; false for other paths.
    bool handle_hook(net::Request& request, net::Reply& reply);
    // A reloaded config: rules, people, calendar and the intake's secrets.
    void reload(const config::Config& config);
    // The clock moved (POST /admin/clock): timers may be due.
    void wake();
    // Why the daemon cannot do its job now, one sentence each (empty: healthy). Any thread.
    std::vector<std::string> problems() const;
    // The engine finished a step within [server] engine_stall_seconds: only then does
    // daemon.cpp tell the systemd watchdog the daemon is alive. Any thread.
    bool engine_progressing() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reglament::daemon
