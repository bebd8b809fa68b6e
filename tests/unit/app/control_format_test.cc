// The output of `maxpool status`, `accounts`, `drain` and `routing`, from canned responses of the
// control plane: golden texts, so that a change of the output is a visible change of a test.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "app/accounts_command.h"
#include "app/drain_command.h"
#include "app/routing_command.h"
#include "app/status_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::app {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

google::protobuf::Timestamp At(absl::Duration from_now) {
  google::protobuf::Timestamp out;
  const absl::Time time = kNow + from_now;
  out.set_seconds(absl::ToUnixSeconds(time));
  return out;
}

void AddWindow(v1::AccountSnapshot& account, v1::QuotaWindowKind kind, double utilization,
               std::optional<absl::Duration> reset_in) {
  v1::QuotaWindow* window = account.add_quota();
  window->set_kind(kind);
  window->set_utilization(utilization);
  if (reset_in) *window->mutable_reset_time() = At(*reset_in);
}

v1::PoolSnapshot Snapshot() {
  v1::PoolSnapshot snapshot;
  *snapshot.mutable_time() = At(absl::ZeroDuration());
  snapshot.set_in_flight(3);
  snapshot.set_held(1);
  snapshot.set_preferred_account("accounts/alice");

  v1::AccountSnapshot* alice = snapshot.add_accounts();
  alice->set_account("accounts/alice");
  alice->set_type(v1::ACCOUNT_TYPE_OAUTH);
  alice->set_state(v1::ACCOUNT_STATE_ACTIVE);
  AddWindow(*alice, v1::QUOTA_WINDOW_KIND_FIVE_HOUR, 0.42, absl::Minutes(133));
  AddWindow(*alice, v1::QUOTA_WINDOW_KIND_SEVEN_DAY, 0.1, absl::Hours(76) + absl::Minutes(5));
  alice->set_weekly_tier(v1::WEEKLY_TIER_NORMAL);
  alice->set_in_flight(2);
  alice->mutable_load_15m()->set_requests(12);
  alice->mutable_load_15m()->set_failed(1);
  alice->mutable_load_15m()->mutable_average_duration()->set_nanos(900'000'000);
  alice->mutable_load_1h()->set_requests(40);
  alice->mutable_load_1h()->set_failed(2);
  alice->mutable_load_1h()->mutable_average_duration()->set_seconds(1);
  alice->mutable_load_1h()->mutable_average_duration()->set_nanos(300'000'000);
  alice->set_enabled(true);

  v1::AccountSnapshot* bob = snapshot.add_accounts();
  bob->set_account("accounts/bob");
  bob->set_type(v1::ACCOUNT_TYPE_OAUTH);
  bob->set_state(v1::ACCOUNT_STATE_THROTTLED);
  *bob->mutable_state_until() = At(absl::Minutes(12));
  AddWindow(*bob, v1::QUOTA_WINDOW_KIND_FIVE_HOUR, 1.0, absl::Minutes(12));
  bob->set_last_error("rate_limited");
  *bob->mutable_last_error_time() = At(-absl::Minutes(5));
  bob->set_last_status(429);
  bob->set_enabled(true);

  v1::AccountSnapshot* carol = snapshot.add_accounts();
  carol->set_account("accounts/carol");
  carol->set_type(v1::ACCOUNT_TYPE_API_KEY);
  carol->set_state(v1::ACCOUNT_STATE_ACTIVE);
  v1::QuotaWindow* tokens = carol->add_quota();
  tokens->set_kind(v1::QUOTA_WINDOW_KIND_TOKENS);
  tokens->set_utilization(0.25);
  tokens->set_limit(80000);
  tokens->set_remaining(60000);
  *tokens->mutable_reset_time() = At(absl::Seconds(30));
  carol->set_in_flight(1);
  carol->set_enabled(true);
  return snapshot;
}

v1::GetStatusResponse Status() {
  v1::GetStatusResponse status;
  status.set_version("0.1.0");
  status.mutable_uptime()->set_seconds(2 * 3600 + 13 * 60 + 5);
  status.set_config_path("/home/u/.config/maxpool.json");
  v1::Listener* data = status.add_listeners();
  data->set_kind(v1::LISTENER_KIND_DATA_PLANE);
  data->set_address("127.0.0.1:3456");
  v1::Listener* control = status.add_listeners();
  control->set_kind(v1::LISTENER_KIND_CONTROL_PLANE);
  control->set_address("127.0.0.1:3457");
  control->set_tls(true);
  status.set_in_flight(3);
  status.set_held(1);
  status.set_accounts(3);
  return status;
}

TEST(FormatStatusTest, ServerLinesThenOneLinePerAccount) {
  EXPECT_EQ(FormatStatus(Status(), Snapshot(), kNow),
            "version:    0.1.0\n"
            "uptime:     2h13m\n"
            "config:     /home/u/.config/maxpool.json\n"
            "listeners:  data plane 127.0.0.1:3456, control plane 127.0.0.1:3457 (TLS)\n"
            "draining:   no\n"
            "in flight:  3\n"
            "held:       1\n"
            "routing:    preferred alice\n"
            "accounts:   3\n"
            "\n"
            "NAME   STATE              5H                     7D                    IN FLIGHT\n"
            "alice  active             42% (resets in 2h13m)  10% (resets in 3d4h)  2\n"
            "bob    throttled for 12m  100% (resets in 12m)   -                     0\n"
            "carol  active             -                      -                     1\n");
}

TEST(FormatStatusTest, AccountsThatNeedSomethingGetALineSayingWhat) {
  v1::PoolSnapshot snapshot = Snapshot();
  v1::AccountSnapshot* dead = snapshot.add_accounts();
  dead->set_account("accounts/dead");
  dead->set_type(v1::ACCOUNT_TYPE_OAUTH);
  dead->set_state(v1::ACCOUNT_STATE_NEEDS_LOGIN);
  v1::AccountSnapshot* unsaved = snapshot.add_accounts();
  unsaved->set_account("accounts/unsaved");
  unsaved->set_type(v1::ACCOUNT_TYPE_OAUTH);
  unsaved->set_state(v1::ACCOUNT_STATE_ACTIVE);
  unsaved->set_credentials_unsaved("maxpool.tokens.json: write: No space left on device");
  const std::string text = FormatStatus(Status(), snapshot, kNow);
  EXPECT_THAT(text, ::testing::HasSubstr("dead: needs a new login: maxpool login --name dead\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "unsaved: tokens not saved (in use, but a restart would lose them; "
                        "retrying): maxpool.tokens.json: write: No space left on device"));
}

TEST(FormatStatusTest, DrainingWithItsDeadlineAndAnEmptyPool) {
  v1::GetStatusResponse status = Status();
  status.set_draining(true);
  *status.mutable_drain_deadline() = At(absl::Seconds(12));
  status.set_accounts(0);
  status.clear_listeners();
  status.clear_config_path();
  EXPECT_EQ(FormatStatus(status, v1::PoolSnapshot(), kNow),
            "version:    0.1.0\n"
            "uptime:     2h13m\n"
            "listeners:  none\n"
            "draining:   yes, deadline in 12s\n"
            "in flight:  3\n"
            "held:       1\n"
            "routing:    automatic\n"
            "accounts:   0\n");
}

std::vector<v1::Account> Accounts() {
  std::vector<v1::Account> accounts(3);
  accounts[0].set_name("accounts/alice");
  accounts[0].set_type(v1::ACCOUNT_TYPE_OAUTH);
  accounts[0].set_state(v1::ACCOUNT_STATE_ACTIVE);
  accounts[0].set_enabled(true);
  accounts[0].set_usage_cap(0.8);
  accounts[0].set_email("alice@example.com");
  accounts[0].set_organization("Acme");
  accounts[0].mutable_credential()->set_kind(v1::CREDENTIAL_KIND_OAUTH_TOKENS);
  accounts[0].mutable_credential()->set_fingerprint("a1b2c3d4");
  *accounts[0].mutable_credential()->mutable_expire_time() = At(absl::Minutes(302));
  accounts[0].mutable_credential()->set_refreshable(true);

  accounts[1].set_name("accounts/bob");
  accounts[1].set_display_name("Bob's Max");
  accounts[1].set_type(v1::ACCOUNT_TYPE_OAUTH);
  accounts[1].set_state(v1::ACCOUNT_STATE_THROTTLED);
  accounts[1].set_enabled(true);
  accounts[1].set_priority(1.5);
  accounts[1].mutable_credential()->set_kind(v1::CREDENTIAL_KIND_OAUTH_TOKENS);
  accounts[1].mutable_credential()->set_fingerprint("0badf00d");
  *accounts[1].mutable_credential()->mutable_expire_time() = At(-absl::Minutes(3));
  accounts[1].mutable_credential()->set_refreshable(true);
  accounts[1].mutable_credential()->set_refresh_dead(true);

  accounts[2].set_name("accounts/carol");
  accounts[2].set_type(v1::ACCOUNT_TYPE_API_KEY);
  accounts[2].set_state(v1::ACCOUNT_STATE_DISABLED);
  accounts[2].set_enabled(false);
  accounts[2].set_priority(2);
  accounts[2].mutable_credential()->set_kind(v1::CREDENTIAL_KIND_API_KEY);
  accounts[2].mutable_credential()->set_fingerprint("feedbeef");
  return accounts;
}

TEST(FormatAccountsTest, OneLinePerAccount) {
  EXPECT_EQ(FormatAccounts(Accounts(), nullptr, kNow),
            "NAME   TYPE     STATE      ENABLED  PRIORITY  CAP  CREDENTIAL\n"
            "alice  oauth    active     yes      0         80%  a1b2c3d4\n"
            "bob    oauth    throttled  yes      1.5       -    0badf00d\n"
            "carol  api key  disabled   no       2         -    feedbeef\n");
}

TEST(FormatAccountsTest, VerboseAddsIdentityExpiryQuotaAndLoad) {
  const v1::PoolSnapshot snapshot = Snapshot();
  EXPECT_EQ(
      FormatAccounts(Accounts(), &snapshot, kNow),
      "NAME   TYPE     STATE      ENABLED  PRIORITY  CAP  CREDENTIAL\n"
      "alice  oauth    active     yes      0         80%  a1b2c3d4\n"
      "bob    oauth    throttled  yes      1.5       -    0badf00d\n"
      "carol  api key  disabled   no       2         -    feedbeef\n"
      "\n"
      "alice\n"
      "  email:         alice@example.com\n"
      "  organization:  Acme\n"
      "  credential:    oauth tokens a1b2c3d4, expires in 5h2m, refreshable\n"
      "  quota:         5h 42% (resets in 2h13m); 7d 10% (resets in 3d4h); weekly tier normal\n"
      "  load:          15m 12 requests (1 failed, avg 900ms); 1h 40 requests (2 failed, avg "
      "1.3s)\n"
      "\n"
      "bob\n"
      "  display name:  Bob's Max\n"
      "  email:         -\n"
      "  organization:  -\n"
      "  credential:    oauth tokens 0badf00d, expired 3m ago, refresh token refused: log in "
      "again\n"
      "  quota:         5h 100% (resets in 12m)\n"
      "  load:          15m 0 requests; 1h 0 requests\n"
      "  last error:    rate_limited, 5m ago (HTTP 429)\n"
      "\n"
      "carol\n"
      "  email:         -\n"
      "  organization:  -\n"
      "  credential:    api key feedbeef\n"
      "  quota:         tokens/min 25% of 80000 (resets in 30s)\n"
      "  load:          15m 0 requests; 1h 0 requests\n");
}

TEST(FormatAccountsTest, NoAccounts) {
  EXPECT_EQ(FormatAccounts({}, nullptr, kNow), "no accounts\n");
}

TEST(FormatDrainTest, StartedAndAlreadyDraining) {
  v1::DrainResponse response;
  *response.mutable_deadline_time() = At(absl::Seconds(30));
  response.set_in_flight(3);
  EXPECT_EQ(FormatDrainStarted(response, absl::ZeroDuration(), kNow),
            "draining: 3 requests in flight, deadline in 30s\n");
  EXPECT_EQ(FormatDrainStarted(response, absl::Seconds(5), kNow),
            "draining: 3 requests in flight, deadline in 30s; new requests are accepted for 5s\n");
  response.set_already_draining(true);
  response.set_in_flight(1);
  EXPECT_EQ(FormatDrainStarted(response, absl::Seconds(5), kNow),
            "already draining: 1 request in flight, deadline in 30s\n");
}

TEST(FormatDrainTest, Progress) {
  v1::DrainProgress progress;
  progress.set_in_flight(2);
  progress.set_held(1);
  *progress.mutable_deadline_time() = At(absl::Seconds(25));
  EXPECT_EQ(FormatDrainProgress(progress, kNow),
            "drain: 2 requests in flight (1 held), deadline in 25s\n");
  progress.set_held(0);
  progress.set_in_flight(1);
  EXPECT_EQ(FormatDrainProgress(progress, kNow), "drain: 1 request in flight, deadline in 25s\n");
  progress.set_done(true);
  EXPECT_EQ(FormatDrainProgress(progress, kNow + absl::Seconds(25)),
            "drain: deadline reached, 1 request in flight were ended\n");
  progress.set_in_flight(0);
  EXPECT_EQ(FormatDrainProgress(progress, kNow), "drain: done, nothing in flight\n");
}

TEST(FormatRoutingPolicyTest, AutomaticAndPreferred) {
  v1::RoutingPolicy policy;
  policy.set_name("routingPolicy");
  policy.set_mode(v1::ROUTING_MODE_AUTOMATIC);
  policy.set_switch_threshold(0.9);
  policy.set_weekly_soft_threshold(0.65);
  policy.set_weekly_reserve_threshold(0.85);
  policy.set_weekly_critical_threshold(0.95);
  EXPECT_EQ(FormatRoutingPolicy(policy),
            "mode:              automatic\n"
            "switch-threshold:  0.9\n"
            "weekly-soft:       0.65\n"
            "weekly-reserve:    0.85\n"
            "weekly-critical:   0.95\n");
  policy.set_mode(v1::ROUTING_MODE_PREFERRED);
  policy.set_preferred_account("accounts/alice");
  EXPECT_EQ(FormatRoutingPolicy(policy).substr(0, 35), "mode:              preferred alice\n");
}

}  // namespace
}  // namespace maxpool::app
