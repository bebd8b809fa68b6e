#include "app/server_command.h"

#include <unistd.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "config/config_loader.h"
#include "config/config_path.h"
#include "config/config_sources.h"
#include "control_client/control_client.h"
#include "logging/process_log.h"
#include "server/serve.h"
#include "server/server_runtime.h"
#include "tui/tui_run.h"

namespace maxpool::app {

namespace {

// The live view on this server's own control plane until `q` (which drains) or a drain started
// elsewhere (a signal, the control plane); then the terminal is back to normal.
// `r` in the view: drain, then RunServer returns kExitRestartServer. Returns whether it was asked.
bool RunAttachedTui(server::ServerRuntime& runtime, const ServerArgs& args, std::ostream& out,
                    std::ostream& err) {
  control_client::ControlOptions control;
  control.config_path = args.config_path;
  control.server = absl::StrCat("127.0.0.1:", runtime.control_port());
  absl::StatusOr<control_client::ControlTarget> target =
      control_client::ResolveControlTarget(control, config::ProcessEnv());
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
  absl::StatusOr<std::unique_ptr<logging::ProcessLog>> process_log =
      logging::ProcessLog::Create(loaded->config.logging(), tui ? no_output : err);
  if (!process_log.ok()) {
    err << "maxpool: " << process_log.status().message() << "\n";
    return 1;
  }
  logging::ProcessLog& log = **process_log;
  server::RuntimeOptions options;
  options.config_path = args.config_path;
  options.port = args.port;
  options.control_port = args.control_port;
  options.admin_port = args.admin_port;
  options.log_dir = args.log_dir;
  options.log = [&log](const std::string& line) { log.Line(line); };
  options.on_request = [&log](const proxy::RequestLogLine& line) { log.Request(line); };
  options.event_log_requests = tui;
  absl::StatusOr<std::unique_ptr<server::ServerRuntime>> started =
      server::ServerRuntime::Start(options);
  if (!started.ok()) {
    err << "maxpool: " << started.status().message() << "\n";
    return 1;
  }
  server::ServerRuntime& runtime = **started;
  bool restart = false;
  std::function<void()> foreground;
  if (tui) foreground = [&] { restart = RunAttachedTui(runtime, args, out, err); };
  const server::ServeEnd end = server::ServeUntilDrained(runtime, log, out, foreground);
  if (end == server::ServeEnd::kForced) return 1;
  if (restart) {
    out << "maxpool: drained, restarting" << std::endl;
    return kExitRestartServer;
  }
  out << "maxpool: drained, exiting" << std::endl;
  return 0;
}

}  // namespace maxpool::app
