#include "app/demo_command.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/demo_traffic.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "core/weekly.h"
#include "fake/fake_upstream.h"
#include "logging/request_log.h"
#include "pool/pool.h"
#include "server/server_runtime.h"
#include "tui/tui_run.h"

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

// A private directory for the demo's config file, removed with everything in it at the end.
class DemoDirectory {
 public:
  static absl::StatusOr<DemoDirectory> Create() {
    std::string pattern = (std::filesystem::temp_directory_path() / "maxpool-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create a directory for the demo in ",
                                              std::filesystem::temp_directory_path().string()));
    }
    return DemoDirectory(pattern);
  }
  DemoDirectory(DemoDirectory&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  DemoDirectory& operator=(DemoDirectory&&) = delete;
  ~DemoDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit DemoDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// The demo's config file: the simulated accounts and no event log (RunDemo puts every listener
// on a free port).
std::string DemoConfig(const std::string& upstream) {
  boost::json::array accounts;
  for (const DemoAccount& d : kAccounts) {
    boost::json::object account{{"name", d.name}, {"upstream", upstream}};
    if (d.type == fake::AccountType::kOAuth) {
      account["type"] = "oauth";
      account["accessToken"] = d.credential;
      account["expiresAt"] = absl::ToUnixMillis(absl::Now() + absl::Hours(24 * 365));
    } else {
      account["type"] = "apikey";
      account["apiKey"] = d.credential;
      // Per-token billing: a fallback behind the flat-rate subscriptions (lower priority wins).
      account["priority"] = 1;
    }
    accounts.push_back(std::move(account));
  }
  boost::json::object config{{"accounts", std::move(accounts)}, {"eventLog", false}};
  return boost::json::serialize(config);
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
  }

  absl::StatusOr<DemoDirectory> dir = DemoDirectory::Create();
  if (!dir.ok()) {
    err << "maxpool: " << dir.status().message() << "\n";
    return 1;
  }
  const std::filesystem::path config_path = dir->path() / "maxpool.json";
  {
    std::ofstream file(config_path);
    file << DemoConfig((*upstream)->base_url()) << "\n";
    if (!file) {
      err << "maxpool: cannot write the demo config " << config_path.string() << "\n";
      return 1;
    }
  }

  // On a terminal the demo is watched in the TUI, with traffic until `q`; else it prints.
  const bool tui = args.tui && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  std::mutex out_mu;
  std::atomic<int> finished{0};
  pool::Pool* pool = nullptr;
  server::RuntimeOptions options;
  options.config_path = config_path;
  options.port = args.port.value_or(0);
  options.control_port = 0;
  options.admin_port = 0;
  options.hot_sync = false;
  options.on_request = [&](const proxy::RequestLogLine& line) {
    if (tui) return;  // the TUI shows the activity
    std::lock_guard<std::mutex> lock(out_mu);
    out << logging::FormatRequestLine(line) << std::endl;
    if (++finished % 20 == 0 && pool != nullptr) PrintSummary(*pool, out);
  };
  absl::StatusOr<std::unique_ptr<server::ServerRuntime>> runtime =
      server::ServerRuntime::Start(options);
  if (!runtime.ok()) {
    err << "maxpool: " << runtime.status().message() << "\n";
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(out_mu);
    pool = &(*runtime)->pool();
  }
  const uint16_t port = (*runtime)->proxy_port();
  if (tui) {
    DemoTraffic traffic(port, args.concurrency, 0);
    tui::TuiOptions tui_options;
    tui_options.target.address = absl::StrCat("127.0.0.1:", (*runtime)->control_port());
    const int status = tui::RunTui(tui_options);
    traffic.Stop();
    traffic.Wait();
    (*runtime)->Stop();
    (*upstream)->Stop();
    return status;
  }
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
        << "control plane on 127.0.0.1:" << (*runtime)->control_port()
        << " (try: maxpool status --server 127.0.0.1:" << (*runtime)->control_port() << ")\n"
        << "metrics on http://127.0.0.1:" << (*runtime)->admin_port() << "/metrics\n"
        << "try it: curl -N http://127.0.0.1:" << port
        << "/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' "
           "-d '{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,"
           "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n"
        << std::endl;
  }

  if (args.requests > 0) {
    DemoTraffic traffic(port, args.concurrency, args.requests);
    traffic.Wait();
    // Stop first (the observer takes out_mu on the workers, and Stop() joins them), then report.
    (*runtime)->Stop();
    std::lock_guard<std::mutex> lock(out_mu);
    out << "\nsummary after " << args.requests << " requests:";
    PrintSummary(*pool, out);
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
  (*runtime)->Stop();
  PrintSummary(*pool, out);
  (*upstream)->Stop();
  return 0;
}

}  // namespace maxpool::app
