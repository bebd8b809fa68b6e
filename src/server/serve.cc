#include "server/serve.h"

#include <csignal>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"

namespace maxpool::server {

ServeEnd ServeUntilDrained(ServerRuntime& runtime, logging::ProcessLog& log, std::ostream& out,
                           const std::function<void()>& foreground) {
  for (const std::string& warning : runtime.warnings()) log.Warn(warning);
  const v1::Config& config = runtime.config();
  log.Info(absl::StrCat("listening: proxy ", config.proxy().host(), ":", runtime.proxy_port(), ", ",
                        runtime.pool().Snapshot().size(), " account(s); control plane ",
                        runtime.control_port() == 0 ? std::string("off")
                                                    : absl::StrCat("port ", runtime.control_port()),
                        "; metrics port ", runtime.admin_port()));
  out << "maxpool listening on http://" << config.proxy().host() << ":" << runtime.proxy_port()
      << " with " << runtime.pool().Snapshot().size() << " account(s)" << std::endl;
  if (runtime.control_port() != 0) {
    out << "control plane on "
        << (config.control().has_host() ? config.control().host() : "127.0.0.1") << ":"
        << runtime.control_port() << " (gRPC)" << std::endl;
  }
  out << "metrics on http://" << (config.admin().has_host() ? config.admin().host() : "127.0.0.1")
      << ":" << runtime.admin_port() << "/metrics" << std::endl;
  out << "point Claude Code at it: export ANTHROPIC_BASE_URL=http://" << config.proxy().host()
      << ":" << runtime.proxy_port() << std::endl;

  // The first SIGINT or SIGTERM drains (shutdown.drainTimeoutMs); a second one stops at once.
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  bool forced = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
        if (runtime.draining()) {
          const control::ServerStatusView status = runtime.Status();
          out << "maxpool: " << name << " again, stopping now with " << status.in_flight
              << " request(s) still open" << std::endl;
          forced = true;
          runtime.Stop();
          return;
        }
        const absl::Duration deadline = runtime.DefaultDrainDeadline();
        out << "maxpool: " << name << ", draining (up to " << absl::FormatDuration(deadline)
            << "); send it again to stop at once" << std::endl;
        runtime.Drain(deadline, absl::ZeroDuration());
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  // SIGHUP reloads the configuration, as the control plane's ReloadConfig does (`systemctl
  // reload`): an invalid file is refused with the loader's message and changes nothing.
  boost::asio::signal_set reload_signals(signals_ioc, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_reload =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        const absl::Status reloaded = runtime.ReloadConfig();
        if (reloaded.ok()) {
          log.Info("SIGHUP: configuration reloaded");
        } else {
          log.Warn(absl::StrCat("SIGHUP: configuration not reloaded, nothing changed: ",
                                reloaded.message()));
        }
        reload_signals.async_wait(on_reload);
      };
  reload_signals.async_wait(on_reload);
  std::thread signal_thread([&signals_ioc] { signals_ioc.run(); });
  if (foreground) foreground();
  runtime.WaitForDrained();
  signals_ioc.stop();
  signal_thread.join();
  // Drained: the process is on its way out. A SIGTERM that comes now (the kubelet's, right
  // after a preStop drain returned) must not turn a clean exit into death by signal.
  boost::system::error_code ignored;
  signals.clear(ignored);
  reload_signals.clear(ignored);
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  runtime.Stop();
  return forced ? ServeEnd::kForced : ServeEnd::kDrained;
}

}  // namespace maxpool::server
