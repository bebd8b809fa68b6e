#include "config/account_diff.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Expiries in ms (smaller values would read as seconds, spec §14 item 3).
constexpr int64_t kT = 1'767'225'600'000;

RunningAccount RunningOAuth(const std::string& name, const std::string& uuid,
                            const std::string& refresh, int64_t expires_at) {
  RunningAccount r;
  r.name = name;
  r.uuid = uuid;
  r.type = "oauth";
  r.access_token = "access-" + refresh;
  r.refresh_token = refresh;
  r.expires_at_ms = expires_at;
  return r;
}

v1::AccountConfig DiskOAuth(const std::string& name, const std::string& uuid,
                            const std::string& refresh, int64_t expires_at) {
  v1::AccountConfig a;
  if (!name.empty()) a.set_name(name);
  a.set_type("oauth");
  if (!uuid.empty()) a.set_account_uuid(uuid);
  a.set_access_token("access-" + refresh);
  a.set_refresh_token(refresh);
  a.set_expires_at(expires_at);
  return a;
}

// The config on disk as a copy of what is running (no change).
v1::Config DiskOf(const std::vector<RunningAccount>& running) {
  v1::Config config;
  for (const RunningAccount& r : running) {
    v1::AccountConfig& a = *config.add_accounts();
    a.set_name(r.name);
    a.set_type(r.type);
    if (!r.uuid.empty()) a.set_account_uuid(r.uuid);
    a.set_enabled(r.enabled);
    a.set_priority(r.priority);
    if (r.cap) a.set_cap_utilization(*r.cap);
    if (!r.upstream.empty()) a.set_upstream(r.upstream);
    if (r.type == "oauth") {
      a.set_access_token(r.access_token);
      a.set_refresh_token(r.refresh_token);
      a.set_expires_at(r.expires_at_ms);
    }
    if (!r.api_key.empty()) a.set_api_key(r.api_key);
    if (!r.auth_token.empty()) a.set_auth_token(r.auth_token);
  }
  return config;
}

TEST(PlanAccountSync, NothingChangedPlansNothing) {
  std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  running[0].cap = 0.8;
  running[0].priority = 2;
  RunningAccount key;
  key.name = "console";
  key.type = "apikey";
  key.api_key = "sk-1";
  key.enabled = false;
  running.push_back(key);
  EXPECT_TRUE(PlanAccountSync(running, DiskOf(running)).empty());
}

TEST(PlanAccountSync, NewDiskAccountIsAddedAndDeletedOneRemoved) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000),
                                               RunningOAuth("gone", "U2", "r2", 1000)};
  v1::Config disk = DiskOf({running[0]});
  *disk.add_accounts() = DiskOAuth("new", "U3", "r3", 1000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  EXPECT_THAT(plan.added, ElementsAre(1));
  EXPECT_THAT(plan.removed, ElementsAre(1u));
  EXPECT_THAT(plan.updated, IsEmpty());
}

TEST(PlanAccountSync, PropagatesEnabledPriorityCapAndUpstream) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  v1::Config disk = DiskOf(running);
  disk.mutable_accounts(0)->set_enabled(false);
  disk.mutable_accounts(0)->set_priority(-1);
  disk.mutable_accounts(0)->set_cap_utilization(0.7);
  disk.mutable_accounts(0)->set_upstream("https://mirror.example");
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 1u);
  const AccountUpdate& u = plan.updated[0];
  EXPECT_EQ(u.running_index, 0u);
  EXPECT_EQ(u.enabled, false);
  EXPECT_EQ(u.priority, -1);
  EXPECT_TRUE(u.cap_changed);
  EXPECT_EQ(u.cap, 0.7);
  EXPECT_EQ(u.upstream, "https://mirror.example");
  EXPECT_FALSE(u.credentials.has_value());
  EXPECT_FALSE(u.name.has_value());
}

// Spec §1.1: a cap of 1 (or 0, or more) means no cap; it clears a running cap.
TEST(PlanAccountSync, AnInvalidCapOnDiskClearsTheCap) {
  std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  running[0].cap = 0.5;
  v1::Config disk = DiskOf(running);
  disk.mutable_accounts(0)->set_cap_utilization(1.0);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 1u);
  EXPECT_TRUE(plan.updated[0].cap_changed);
  EXPECT_EQ(plan.updated[0].cap, std::nullopt);
}

// Spec §14 item 9: a fresher in-memory token is never replaced by a staler one from disk.
TEST(PlanAccountSync, StaleDiskTokensAreNotAdopted) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r-fresh", kT + 2000)};
  v1::Config disk;
  *disk.add_accounts() = DiskOAuth("a", "U1", "r-stale", kT + 1000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 1u);
  EXPECT_FALSE(plan.updated[0].credentials.has_value());
  EXPECT_TRUE(plan.updated[0].stale_disk_tokens_ignored);
}

TEST(PlanAccountSync, FresherOrEquallyFreshDiskTokensAreAdopted) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r-mem", kT + 2000),
                                               RunningOAuth("b", "U2", "r-mem2", kT + 2000)};
  v1::Config disk;
  *disk.add_accounts() = DiskOAuth("a", "U1", "r-disk", kT + 3000);
  *disk.add_accounts() = DiskOAuth("b", "U2", "r-disk2", kT + 2000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 2u);
  ASSERT_TRUE(plan.updated[0].credentials.has_value());
  EXPECT_EQ(plan.updated[0].credentials->access_token, "access-r-disk");
  EXPECT_EQ(plan.updated[0].credentials->refresh_token, "r-disk");
  EXPECT_EQ(plan.updated[0].credentials->expires_at_ms, kT + 3000);
  ASSERT_TRUE(plan.updated[1].credentials.has_value());
  EXPECT_EQ(plan.updated[1].credentials->refresh_token, "r-disk2");
}

// Spec §14 item 3: an expiry in seconds is compared (and adopted) as ms.
TEST(PlanAccountSync, DiskExpiryInSecondsIsReadAsMs) {
  const std::vector<RunningAccount> running = {
      RunningOAuth("a", "U1", "r-mem", int64_t{1767225600000} - 1)};
  v1::Config disk;
  *disk.add_accounts() = DiskOAuth("a", "U1", "r-disk", 1767225600);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 1u);
  ASSERT_TRUE(plan.updated[0].credentials.has_value());
  EXPECT_EQ(plan.updated[0].credentials->expires_at_ms, int64_t{1767225600000});
}

TEST(PlanAccountSync, ChangedApiKeyAndProviderTokenAreAdopted) {
  RunningAccount key;
  key.name = "console";
  key.type = "apikey";
  key.api_key = "sk-old";
  RunningAccount glm;
  glm.name = "glm";
  glm.type = "provider";
  glm.auth_token = "zai-old";
  const std::vector<RunningAccount> running = {key, glm};
  v1::Config disk = DiskOf(running);
  disk.mutable_accounts(0)->set_api_key("sk-new");
  disk.mutable_accounts(1)->set_auth_token("zai-new");
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.updated.size(), 2u);
  ASSERT_TRUE(plan.updated[0].credentials.has_value());
  EXPECT_EQ(plan.updated[0].credentials->api_key, "sk-new");
  ASSERT_TRUE(plan.updated[1].credentials.has_value());
  EXPECT_EQ(plan.updated[1].credentials->auth_token, "zai-new");
}

// Spec §1.4 step 1: the UUID is matched before the name (here the names were swapped on disk).
TEST(PlanAccountSync, MatchesByUuidBeforeName) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000),
                                               RunningOAuth("b", "U2", "r2", 1000)};
  v1::Config disk;
  *disk.add_accounts() = DiskOAuth("b", "U1", "r1", 1000);
  *disk.add_accounts() = DiskOAuth("a", "U2", "r2", 1000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  EXPECT_THAT(plan.added, IsEmpty());
  EXPECT_THAT(plan.removed, IsEmpty());
  ASSERT_EQ(plan.updated.size(), 2u);
  EXPECT_EQ(plan.updated[0].running_index, 0u);
  EXPECT_EQ(plan.updated[0].name, "b");
  EXPECT_EQ(plan.updated[1].running_index, 1u);
  EXPECT_EQ(plan.updated[1].name, "a");
  EXPECT_FALSE(plan.updated[0].credentials.has_value());
}

TEST(PlanAccountSync, MatchesByNameWhenTheRunningAccountHasNoUuid) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "", "r1", 1000)};
  v1::Config disk;
  *disk.add_accounts() = DiskOAuth("a", "U1", "r1", 1000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  EXPECT_THAT(plan.added, IsEmpty());
  ASSERT_EQ(plan.updated.size(), 1u);
  EXPECT_EQ(plan.updated[0].uuid, "U1");
}

// The most recent (last) of duplicate disk entries is used; the older one is reported.
TEST(PlanAccountSync, DuplicateDiskEntriesKeepTheLastOne) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  v1::Config disk;
  v1::AccountConfig older = DiskOAuth("a-old", "U1", "r0", 500);
  older.set_enabled(false);
  *disk.add_accounts() = older;
  *disk.add_accounts() = DiskOAuth("a", "U1", "r1", 1000);
  *disk.add_accounts() = DiskOAuth("n", "", "r5", 1000);
  *disk.add_accounts() = DiskOAuth("n", "", "r6", 1000);
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  ASSERT_EQ(plan.duplicates.size(), 2u);
  EXPECT_EQ(plan.duplicates[0].dropped_index, 0);
  EXPECT_EQ(plan.duplicates[0].kept_index, 1);
  EXPECT_TRUE(plan.duplicates[0].same_uuid);
  EXPECT_EQ(plan.duplicates[1].dropped_index, 2);
  EXPECT_EQ(plan.duplicates[1].kept_index, 3);
  EXPECT_FALSE(plan.duplicates[1].same_uuid);
  EXPECT_THAT(plan.updated, IsEmpty());  // the older, disabled entry was not applied
  EXPECT_THAT(plan.added, ElementsAre(3));
}

TEST(PlanAccountSync, EntriesWithoutCredentialAreNeverAddedOrAdopted) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  v1::Config disk = DiskOf(running);
  disk.mutable_accounts(0)->clear_access_token();
  disk.mutable_accounts(0)->set_expires_at(9000);
  v1::AccountConfig empty_key;
  empty_key.set_name("k");
  empty_key.set_type("apikey");
  *disk.add_accounts() = empty_key;
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  EXPECT_THAT(plan.added, IsEmpty());
  EXPECT_THAT(plan.removed, IsEmpty());
  EXPECT_THAT(plan.skipped_without_credential, ElementsAre(0, 1));
  EXPECT_THAT(plan.updated, IsEmpty());
}

TEST(PlanAccountSync, ATypeChangeIsARemovalPlusAnAddition) {
  const std::vector<RunningAccount> running = {RunningOAuth("a", "U1", "r1", 1000)};
  v1::Config disk;
  v1::AccountConfig key;
  key.set_name("a");
  key.set_type("apikey");
  key.set_api_key("sk-1");
  *disk.add_accounts() = key;
  const AccountSyncPlan plan = PlanAccountSync(running, disk);
  EXPECT_THAT(plan.added, ElementsAre(0));
  EXPECT_THAT(plan.removed, ElementsAre(0u));
}

TEST(NormalizeExpiryMs, SecondsBecomeMs) {
  EXPECT_EQ(NormalizeExpiryMs(0), 0);
  EXPECT_EQ(NormalizeExpiryMs(1767225600), int64_t{1767225600000});
  EXPECT_EQ(NormalizeExpiryMs(int64_t{1767225600000}), int64_t{1767225600000});
}

}  // namespace
}  // namespace maxpool::config
