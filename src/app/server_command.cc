#include "app/server_command.h"

#include <unistd.h>

#include <csignal>
#include <thread>

#include "absl/strings/str_cat.h"
#include "app/control_client.h"
#include "app/process_log.h"
#include "app/server_runtime.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "config/config_loader.h"
#include "config/config_path.h"
#include "config/config_sources.h"
#include "tui/tui_run.h"

namespace maxpool::app {

namespace {

// The live view on this server's own control plane until `q` (which drains) or a drain started
// elsewhere (a signal, the control plane); then the terminal is back to normal.
// `r` in the view: drain, then RunServer returns kExitRestartServer. Returns whether it was asked.
bool RunAttachedTui(ServerRuntime& runtime, const ServerArgs& args, std::ostream& out,
                    std::ostream& err) {
  ControlOptions control;
  control.config_path = args.config_path;
  control.server = absl::StrCat("127.0.0.1:", runtime.control_port());
  absl::StatusOr<ControlTarget> target = ResolveControlTarget(control, config::ProcessEnv());
  if (!target.ok()) {
    err << "maxpool: no live view: " << target.status().message() << "\n";
    return false;
  }
  bool restart = false;
  tui::TuiOptions options;
  options.target = *std::move(target);
  options.attached = true;
  options.handle_signals = false;  // RunServer's: a signal drains, and the view ends with it
  options.on_drain_and_quit = [&runtime] {
    runtime.Drain(runtime.DefaultDrainDeadline(), absl::ZeroDuration());
  };
  options.on_drain_and_restart = [&runtime, &restart] {
    restart = true;
    runtime.Drain(runtime.DefaultDrainDeadline(), absl::ZeroDuration());
  };
  options.should_stop = [&runtime] { return runtime.draining(); };
  if (tui::RunTui(options) != 0) return false;
  if (runtime.draining()) {
    const control::ServerStatusView status = runtime.Status();
    out << "maxpool: draining with " << status.in_flight << " request(s) in flight (up to "
        << absl::FormatDuration(runtime.DefaultDrainDeadline()) << ")"
        << (restart ? ", then restarting" : "") << std::endl;
  }
  return restart;
}

}  // namespace

int RunServer(const ServerArgs& args, std::ostream& out, std::ostream& err) {
  // The process log's format and level come from the config, before anything else is logged.
  absl::StatusOr<config::ConfigSources> sources =
      config::ResolveConfigSources(args.config_path, config::ProcessEnv());
  if (!sources.ok()) {
    err << "maxpool: " << sources.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadLayered(*sources);
  if (!loaded.ok()) {
    err << "maxpool: " << loaded.status().message() << "\n";
    return 1;
  }
  // On a terminal the live view owns the screen: log lines go only to the event log then.
  const v1::ControlConfig& control = loaded->config.control();
  const bool tui = args.tui && isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 &&
                   (!control.has_enabled() || control.enabled());
  std::ostream no_output(nullptr);
  absl::StatusOr<std::unique_ptr<ProcessLog>> process_log =
      ProcessLog::Create(loaded->config.logging(), tui ? no_output : err);
  if (!process_log.ok()) {
    err << "maxpool: " << process_log.status().message() << "\n";
    return 1;
  }
  ProcessLog& log = **process_log;
  RuntimeOptions options;
  options.config_path = args.config_path;
  options.port = args.port;
  options.control_port = args.control_port;
  options.admin_port = args.admin_port;
  options.log_dir = args.log_dir;
  options.log = [&log](const std::string& line) { log.Line(line); };
  options.on_request = [&log](const proxy::RequestLogLine& line) { log.Request(line); };
  options.event_log_requests = tui;
  absl::StatusOr<std::unique_ptr<ServerRuntime>> started = ServerRuntime::Start(options);
  if (!started.ok()) {
    err << "maxpool: " << started.status().message() << "\n";
    return 1;
  }
  ServerRuntime& runtime = **started;
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
  const bool restart = tui && RunAttachedTui(runtime, args, out, err);
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
  if (forced) return 1;
  if (restart) {
    out << "maxpool: drained, restarting" << std::endl;
    return kExitRestartServer;
  }
  out << "maxpool: drained, exiting" << std::endl;
  return 0;
}

}  // namespace maxpool::app
