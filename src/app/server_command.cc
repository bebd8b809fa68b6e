#include "app/server_command.h"

#include <csignal>

#include "absl/strings/str_cat.h"
#include "app/batched_line_writer.h"
#include "app/hot_sync.h"
#include "app/oauth_wiring.h"
#include "app/pool_from_config.h"
#include "app/request_log.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "config/config_loader.h"
#include "config/config_store.h"
#include "core/clock.h"
#include "credentials/redact.h"
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
  // OAuth refreshes persist rotated tokens to the same file, atomically (spec §7.4).
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store =
      config::ConfigStore::Create(args.config_path);
  if (!store.ok()) {
    err << "maxpool: " << store.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<OAuthWiring>> oauth = OAuthWiring::Create(
      clock, config, store->get(), *pool,
      [&activity](const std::string& line) { activity.Append(credentials::Redact(line)); });
  if (!oauth.ok()) {
    err << "maxpool: " << oauth.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<proxy::ProxyServer>> server =
      proxy::ProxyServer::Start(*pool, ProxyOptionsOf(config), observer);
  if (!server.ok()) {
    err << "maxpool: " << server.status().message() << "\n";
    return 1;
  }
  // Config changes apply to the running pool (spec §1.4); stopped before the proxy.
  HotSyncOptions sync_options;
  sync_options.path = args.config_path;
  sync_options.startup_warnings = loaded->warnings;
  if (config.sync().accounts_interval_ms() > 0) {
    sync_options.poll_interval = std::chrono::milliseconds(config.sync().accounts_interval_ms());
  }
  HotSync hot_sync(std::move(sync_options), *pool, oauth->get(), config,
                   [&activity](const std::string& line) { activity.Append(line); });
  if (absl::Status status = hot_sync.Start(); !status.ok()) {
    err << "maxpool: warning: config hot-sync is off: " << status.message() << "\n";
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
  hot_sync.Stop();
  (*server)->Stop();
  return 0;
}

}  // namespace maxpool::app
