// The Grafana dashboard (deploy/grafana/maxpool.json) and the alert rules
// (deploy/prometheus/alerts.yml) refer only to metrics maxpool exports: every `maxpool_*` name in
// them is a family of a scrape taken after one event of each kind.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "admin/event_metrics.h"
#include "admin/metrics.h"
#include "core/header_source.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"

namespace maxpool::admin {
namespace {

std::filesystem::path DeployDir() {
  const char* data = std::getenv("MAXPOOL_TEST_DATA");  // <repo>/tests/data
  return std::filesystem::path(data == nullptr ? "tests/data" : data) / ".." / ".." / "deploy";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The metric families `text` names; histogram series are named by their family.
std::set<std::string> MetricNames(const std::string& text) {
  static const std::regex kName("maxpool_[a-z0-9_]+");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName);
       it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const std::string suffix : {"_bucket", "_count", "_sum"}) {
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        name.resize(name.size() - suffix.size());
      }
    }
    names.insert(name);
  }
  return names;
}

TEST(DeployReferences, DashboardAndAlertsUseOnlyExportedMetrics) {
  testing::FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  pool.AddAccount(testing::OAuthAccount("a"), testing::Token("a"));
  // A quota reading, so the quota gauges have series.
  core::RequestInfo info = testing::SmallRequest();
  core::RouteState route;
  std::optional<pool::Grant> grant = pool.TryAcquire(info, route);
  ASSERT_TRUE(grant.has_value());
  const absl::Time now = clock.Now();
  const core::FlatHeaders headers{{"anthropic-ratelimit-unified-status", "allowed"},
                                  {"anthropic-ratelimit-unified-7d-utilization", "0.5"},
                                  {"anthropic-ratelimit-unified-7d-reset",
                                   absl::StrCat(absl::ToUnixSeconds(now + absl::Hours(72)))}};
  pool.Observe(grant->lease, 200, headers);
  Metrics metrics(pool, MetricsOptions{"1.0.0", [] { return false; }, {}, {}});
  EventMetrics events(pool.events(), metrics);
  events.Start();
  pool::RequestFinished request;
  request.account = "a";
  request.status = 200;
  request.truncated = true;
  request.input_tokens = 10;
  request.output_tokens = 20;
  request.upstream_ttfb = absl::Milliseconds(5);
  request.before_upstream = absl::Microseconds(50);
  pool.events().Publish(request);
  pool.events().Publish(pool::Failover{"a", "rate_limited", 429, pool::FailoverNext::kRetry});
  pool.events().Publish(pool::RefreshFinished{"a", true, 0, ""});
  pool.events().Publish(pool::AccountStateChanged{"a", pool::AccountState::kActive,
                                                  pool::AccountState::kThrottled, "rate_limited"});
  pool.events().Publish(pool::HoldEnded{1, pool::HoldOutcome::kAdmitted, absl::Seconds(1)});
  ASSERT_TRUE(events.Flush());
  const std::set<std::string> exported = MetricNames(metrics.Serialize());

  for (const char* file : {"grafana/maxpool.json", "prometheus/alerts.yml"}) {
    const std::string text = ReadFile(DeployDir() / file);
    ASSERT_FALSE(text.empty()) << "cannot read " << (DeployDir() / file);
    const std::set<std::string> used = MetricNames(text);
    EXPECT_GE(used.size(), 8u) << file;
    for (const std::string& name : used) {
      EXPECT_TRUE(exported.count(name))
          << file << " uses " << name << ", which maxpool does not export";
    }
  }
}

}  // namespace
}  // namespace maxpool::admin
