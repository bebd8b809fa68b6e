#include "app/server_command.h"

#include <csignal>

#include "absl/strings/str_cat.h"
#include "app/batched_line_writer.h"
#include "app/pool_from_config.h"
#include "app/request_log.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "config/config_loader.h"
#include "core/clock.h"
#include "proxy/proxy_server.h"

namespace maxpool::app {

int RunServer(const ServerArgs& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(args.config_path);
  if (!loaded.ok()) {
    err << "maxpool: " << loaded.status().message() << "\n";
    return 1;
  }
  for (const std::string& warning : loaded->warnings)
    err << "maxpool: warning: " << warning << "\n";
  v1::Config& config = loaded->config;
  if (args.port) config.mutable_proxy()->set_port(*args.port);

  core::SystemClock clock;
  std::unique_ptr<pool::Pool> pool = MakePool(clock, config);
  if (pool->Snapshot().empty()) {
    err << "maxpool: no accounts in " << args.config_path.string()
        << "; add one with `maxpool login` (subscription) or `maxpool login --api` (API key)\n";
    return 1;
  }
  BatchedLineWriter activity(err, std::chrono::milliseconds(100));
  auto observer = [&](const proxy::RequestLogLine& line) {
    activity.Append(FormatRequestLine(line));
  };
  absl::StatusOr<std::unique_ptr<proxy::ProxyServer>> server =
      proxy::ProxyServer::Start(*pool, ProxyOptionsOf(config), observer);
  if (!server.ok()) {
    err << "maxpool: " << server.status().message() << "\n";
    return 1;
  }
  out << "maxpool listening on http://" << config.proxy().host() << ":" << (*server)->port()
      << " with " << pool->Snapshot().size() << " account(s)" << std::endl;
  out << "point Claude Code at it: export ANTHROPIC_BASE_URL=http://" << config.proxy().host()
      << ":" << (*server)->port() << std::endl;

  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    out << "maxpool: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
  });
  signals_ioc.run();
  (*server)->Stop();
  return 0;
}

}  // namespace maxpool::app
