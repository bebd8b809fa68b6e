#include "app/demo_command.h"

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/request_log.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "core/clock.h"
#include "core/weekly.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "pool/pool.h"
#include "proxy/proxy_server.h"

namespace maxpool::app {
namespace {

struct DemoAccount {
  const char* name;
  const char* credential;
  fake::AccountType type;
  double u5h;
  absl::Duration reset_5h;
  double u7d;
  absl::Duration reset_7d;
};

// The four simulated accounts (issue 3: near its reset with quota left, fresh, weekly reserve,
// API key).
constexpr DemoAccount kAccounts[] = {
    {"near-reset", "sk-ant-oat01-demo-near-reset", fake::AccountType::kOAuth, 0.05, absl::Hours(4),
     0.80, absl::Hours(2)},
    {"fresh", "sk-ant-oat01-demo-fresh", fake::AccountType::kOAuth, 0.10, absl::Hours(4), 0.30,
     absl::Hours(156)},
    {"weekly-reserve", "sk-ant-oat01-demo-reserve", fake::AccountType::kOAuth, 0.20, absl::Hours(3),
     0.90, absl::Hours(72)},
    {"api-key", "sk-ant-api03-demo-key", fake::AccountType::kApiKey, 0, absl::ZeroDuration(), 0,
     absl::ZeroDuration()},
};

std::string Percent(std::optional<double> v) {
  return v ? absl::StrFormat("%3.0f%%", *v * 100) : std::string("  -");
}

void PrintSummary(const pool::Pool& pool, std::ostream& out) {
  out << "\n  account          5h    7d   weekly    served  failed  in-flight\n";
  const core::SchedulerSettings& settings = pool.options().scheduler;
  for (const core::Account& a : pool.Snapshot()) {
    const core::QuotaReading& q = a.state.quota;
    std::optional<double> u5h = q.unified_5h;
    std::optional<double> u7d = q.unified_7d;
    if (a.settings.type == core::AccountType::kApiKey && q.tokens_limit && q.tokens_remaining) {
      u5h = 1.0 - static_cast<double>(*q.tokens_remaining) / static_cast<double>(*q.tokens_limit);
    }
    out << absl::StrFormat("  %-15s %5s %5s   %-9s %6d  %6d  %9d\n", a.settings.name, Percent(u5h),
                           Percent(u7d), core::WeeklyTierName(core::RawWeeklyState(a, settings)),
                           a.state.completed_requests, a.state.failed_requests, a.state.in_flight);
  }
  out << std::endl;
}

}  // namespace

int RunDemo(const DemoArgs& args, std::ostream& out, std::ostream& err) {
  fake::FakeOptions fake_options;
  fake_options.default_events = 8;
  fake_options.event_delay = std::chrono::milliseconds(40);
  fake_options.record_bodies = false;
  absl::StatusOr<std::unique_ptr<fake::FakeUpstream>> upstream =
      fake::FakeUpstream::Start(fake_options);
  if (!upstream.ok()) {
    err << "maxpool: cannot start the simulated upstream: " << upstream.status().message() << "\n";
    return 1;
  }
  const absl::Time now = absl::Now();
  core::SystemClock clock;
  pool::PoolOptions pool_options;
  pool::Pool pool(clock, pool_options);
  for (const DemoAccount& d : kAccounts) {
    fake::FakeAccountSpec spec;
    spec.credential = d.credential;
    spec.type = d.type;
    spec.name = d.name;
    spec.utilization_5h = d.u5h;
    spec.utilization_7d = d.u7d;
    if (d.type == fake::AccountType::kOAuth) {
      spec.reset_5h = now + d.reset_5h;
      spec.reset_7d = now + d.reset_7d;
      spec.increment_5h = 0.004;
      spec.increment_7d = 0.0005;
    }
    if (absl::Status s = (*upstream)->AddAccount(spec); !s.ok()) {
      err << "maxpool: " << s.message() << "\n";
      return 1;
    }
    core::AccountSettings settings;
    settings.name = d.name;
    // Per-token billing: a fallback behind the flat-rate subscriptions (lower priority wins).
    if (d.type == fake::AccountType::kApiKey) settings.priority = 1;
    settings.type = d.type == fake::AccountType::kOAuth ? core::AccountType::kOAuth
                                                        : core::AccountType::kApiKey;
    pool::Credential credential;
    credential.kind = d.type == fake::AccountType::kOAuth ? pool::CredentialKind::kOAuthBearer
                                                          : pool::CredentialKind::kApiKey;
    credential.secret = d.credential;
    credential.upstream = (*upstream)->base_url();
    pool.AddAccount(settings, credential);
  }

  std::mutex out_mu;
  std::atomic<int> finished{0};
  auto observer = [&](const proxy::RequestLogLine& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    out << FormatRequestLine(line) << std::endl;
    if (++finished % 20 == 0) PrintSummary(pool, out);
  };
  proxy::ProxyOptions proxy_options;
  proxy_options.port = static_cast<uint16_t>(args.port.value_or(0));
  proxy_options.threads = 2;
  absl::StatusOr<std::unique_ptr<proxy::ProxyServer>> server =
      proxy::ProxyServer::Start(pool, proxy_options, observer);
  if (!server.ok()) {
    err << "maxpool: " << server.status().message() << "\n";
    return 1;
  }
  const uint16_t port = (*server)->port();
  {
    std::lock_guard<std::mutex> lock(out_mu);
    out << "maxpool demo: proxy on http://127.0.0.1:" << port << " in front of a simulated pool at "
        << (*upstream)->base_url() << "\n"
        << "  near-reset     subscription, 80% of its week used, resets in 2h: use it before it "
           "is lost\n"
        << "  fresh          subscription, 30% of its week used, resets in 6.5 days\n"
        << "  weekly-reserve subscription, 90% of its week used: kept in reserve\n"
        << "  api-key        API key billed per token, priority 1: used only when no subscription "
           "can serve\n"
        << "try it: curl -N http://127.0.0.1:" << port
        << "/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' "
           "-d '{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,"
           "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n"
        << std::endl;
  }

  if (args.requests > 0) {
    std::atomic<int> next{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < args.concurrency; ++c) {
      clients.emplace_back([&, c] {
        fake::ClientOptions client_options;
        client_options.port = port;
        client_options.timeout = std::chrono::seconds(30);
        while (true) {
          const int i = next++;
          if (i >= args.requests) return;
          absl::StatusOr<std::unique_ptr<fake::BlockingHttpClient>> client =
              fake::BlockingHttpClient::Connect(client_options);
          if (!client.ok()) return;
          const bool stream = i % 2 == 0;
          const std::string body =
              absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":)",
                           stream ? "true" : "false",
                           R"(,"messages":[{"role":"user","content":"demo request )", i, R"("}]})");
          fake::ClientHeaders headers = {{"content-type", "application/json"},
                                         {"anthropic-version", "2023-06-01"}};
          if (i % 3 == 0) headers.emplace_back("x-maxpool-session", absl::StrCat("demo-", c));
          (void)(*client)->Request("POST", "/v1/messages", headers, body);
        }
      });
    }
    for (std::thread& t : clients) t.join();
    // Stop first (the observer takes out_mu on the workers, and Stop() joins them), then report.
    (*server)->Stop();
    std::lock_guard<std::mutex> lock(out_mu);
    out << "\nsummary after " << args.requests << " requests:";
    PrintSummary(pool, out);
    out << "the near-reset account served first: its weekly quota is lost in 2h if unused; the "
           "reserve account is kept for when the others run out.\n";
    (*upstream)->Stop();
    return 0;
  }

  out << "serving until Ctrl-C" << std::endl;
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_ioc.run();
  PrintSummary(pool, out);
  (*server)->Stop();
  (*upstream)->Stop();
  return 0;
}

}  // namespace maxpool::app
