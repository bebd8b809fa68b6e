#pragma once

// Builds the default world of spec §15: a Router on a fake clock with OAuth accounts "A" and "B"
// (priority 0, enabled, profiles claude/all), default settings, routing automatic and sticky, and
// small helpers to set quota and run requests. Header-only; for tests of src/core.

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/header_source.h"
#include "core/request_info.h"
#include "core/router.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"

namespace maxpool::testing {

inline core::AccountSettings OAuthAccount(std::string name, double priority = 0) {
  core::AccountSettings s;
  s.name = std::move(name);
  s.type = core::AccountType::kOAuth;
  s.priority = priority;
  return s;
}

inline core::AccountSettings ApiKeyAccount(std::string name) {
  core::AccountSettings s = OAuthAccount(std::move(name));
  s.type = core::AccountType::kApiKey;
  return s;
}

inline core::AccountSettings ProviderAccount(std::string name, core::Provider provider,
                                             double priority) {
  core::AccountSettings s;
  s.name = std::move(name);
  s.type = core::AccountType::kProvider;
  s.provider = provider;
  s.priority = priority;
  s.profiles = {"all"};
  return s;
}

// A small non-streaming POST /v1/messages.
inline core::RequestInfo SmallRequest(std::string session = "") {
  core::RequestInfo r;
  r.weight = 1;
  r.model = "claude-sonnet-4-5";
  r.family = core::ModelFamily::kSonnet;
  r.body_scanned = true;
  r.body_bytes = 200;
  r.session_key = std::move(session);
  return r;
}

inline core::RequestInfo StreamingRequest(std::string session = "") {
  core::RequestInfo r = SmallRequest(std::move(session));
  r.streaming = true;
  return r;
}

class RouterHarness {
 public:
  explicit RouterHarness(std::initializer_list<std::string> names = {"A", "B"},
                         core::SchedulerSettings settings = {})
      : router(clock, std::move(settings)) {
    for (const std::string& name : names) router.AddAccount(OAuthAccount(name));
  }

  core::Account& account(std::string_view name) {
    core::Account* a = router.FindAccount(name);
    EXPECT_NE(a, nullptr) << "no account " << name;
    return *a;
  }
  core::QuotaReading& quota(std::string_view name) { return account(name).state.quota; }
  absl::Time now() const { return clock.Now(); }

  // Acquires for `request`; returns the chosen account's name, or "" when none.
  std::string Pick(const core::RequestInfo& request = SmallRequest()) {
    core::RouteState route;
    std::optional<core::Lease> lease = router.Acquire(request, route);
    if (!lease) return "";
    last_lease = *lease;
    return lease->account_name;
  }

  // A request that completes successfully after `took` (sequential traffic).
  std::string Complete(const core::RequestInfo& request = SmallRequest(),
                       absl::Duration took = absl::Seconds(1)) {
    core::RouteState route;
    std::optional<core::Lease> lease = router.Acquire(request, route);
    if (!lease) return "";
    last_lease = *lease;
    clock.Advance(took);
    router.Release(*lease, {core::ReleaseKind::kSuccess, 200, ""});
    return lease->account_name;
  }

  FakeClock clock;
  core::Router router;
  std::optional<core::Lease> last_lease;
};

}  // namespace maxpool::testing
