#include "config/account_upsert.h"

#include <filesystem>
#include <string>

#include "config/config_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

v1::AccountConfig OAuth(const std::string& name, const std::string& uuid,
                        const std::string& refresh) {
  v1::AccountConfig a;
  if (!name.empty()) a.set_name(name);
  a.set_type("oauth");
  if (!uuid.empty()) a.set_account_uuid(uuid);
  a.set_access_token("access-" + refresh);
  a.set_refresh_token(refresh);
  a.set_expires_at(1000);
  return a;
}

std::vector<std::string> Names(const v1::Config& config) {
  std::vector<std::string> names;
  for (const v1::AccountConfig& a : config.accounts()) names.push_back(a.name());
  return names;
}

// --- FindAccount ---------------------------------------------------------------------------------

TEST(FindAccount, PrefersTheUuidOverTheName) {
  v1::Config config;
  *config.add_accounts() = OAuth("x", "U1", "r1");
  *config.add_accounts() = OAuth("y", "U2", "r2");
  EXPECT_EQ(FindAccount(config, "U2", "x"), 1);
  EXPECT_EQ(FindAccount(config, "", "x"), 0);
  EXPECT_EQ(FindAccount(config, "U9", "y"), 1);  // unknown UUID: falls back to the name
  EXPECT_EQ(FindAccount(config, "U9", "z"), std::nullopt);
  EXPECT_EQ(FindAccount(config, "", ""), std::nullopt);
}

// --- UpsertAccount -------------------------------------------------------------------------------

// Spec §7.6: a re-login updates the same entry; it must not re-enable a disabled account, drop
// its cap, priority or profiles, or rename it.
TEST(UpsertAccount, ReLoginKeepsTheSettingsTheLoginDoesNotSet) {
  v1::Config config;
  v1::AccountConfig existing = OAuth("work", "U1", "r-old");
  existing.set_enabled(false);
  existing.set_cap_utilization(0.5);
  existing.set_priority(3);
  existing.add_profiles("claude");
  existing.set_upstream("https://mirror.example");
  *config.add_accounts() = existing;
  *config.add_accounts() = OAuth("other", "U2", "r-other");

  v1::AccountConfig login = OAuth("", "U1", "r-new");
  login.set_email("bob@example.com");
  login.set_source("login");
  login.set_expires_at(2000);
  auto result = UpsertAccount(config, login);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->index, 0);
  EXPECT_FALSE(result->added);
  ASSERT_EQ(config.accounts_size(), 2);
  const v1::AccountConfig& a = config.accounts(0);
  EXPECT_EQ(a.name(), "work");
  EXPECT_TRUE(a.has_enabled());
  EXPECT_FALSE(a.enabled());
  EXPECT_EQ(a.cap_utilization(), 0.5);
  EXPECT_EQ(a.priority(), 3);
  EXPECT_THAT(a.profiles(), ElementsAre("claude"));
  EXPECT_EQ(a.upstream(), "https://mirror.example");
  EXPECT_EQ(a.refresh_token(), "r-new");
  EXPECT_EQ(a.access_token(), "access-r-new");
  EXPECT_EQ(a.expires_at(), 2000);
  EXPECT_EQ(a.email(), "bob@example.com");
  EXPECT_EQ(a.source(), "login");
}

TEST(UpsertAccount, SetFieldsOfTheNewEntryWin) {
  v1::Config config;
  v1::AccountConfig existing = OAuth("work", "U1", "r-old");
  existing.set_enabled(false);
  existing.add_profiles("claude");
  existing.add_profiles("all");
  *config.add_accounts() = existing;
  v1::AccountConfig update = OAuth("renamed", "U1", "r-new");
  update.set_enabled(true);
  update.add_profiles("all");
  ASSERT_THAT(UpsertAccount(config, update), IsOk());
  EXPECT_EQ(config.accounts(0).name(), "renamed");
  EXPECT_TRUE(config.accounts(0).enabled());
  EXPECT_THAT(config.accounts(0).profiles(), ElementsAre("all"));  // replaced, not appended
}

// The credential group is replaced as a whole: an expiry the new tokens lack never survives.
TEST(UpsertAccount, CredentialsAreReplacedWholesale) {
  v1::Config config;
  *config.add_accounts() = OAuth("work", "U1", "r-old");
  v1::AccountConfig import;
  import.set_type("oauth");
  import.set_account_uuid("U1");
  import.set_access_token("imported");
  ASSERT_THAT(UpsertAccount(config, import), IsOk());
  const v1::AccountConfig& a = config.accounts(0);
  EXPECT_EQ(a.access_token(), "imported");
  EXPECT_FALSE(a.has_refresh_token());
  EXPECT_FALSE(a.has_expires_at());
}

TEST(UpsertAccount, FindsAnEntryWithoutUuidByItsEmailName) {
  v1::Config config;
  *config.add_accounts() = OAuth("bob@example.com", "", "r-old");
  v1::AccountConfig login = OAuth("", "U1", "r-new");
  login.set_email("bob@example.com");
  auto result = UpsertAccount(config, login);
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->added);
  ASSERT_EQ(config.accounts_size(), 1);
  EXPECT_EQ(config.accounts(0).account_uuid(), "U1");
  EXPECT_EQ(config.accounts(0).refresh_token(), "r-new");
}

TEST(UpsertAccount, AppendsWithDefaultNames) {
  v1::Config config;
  *config.add_accounts() = OAuth("account-2", "U0", "r0");
  config.add_providers()->set_name("api-4");

  v1::AccountConfig with_email = OAuth("", "U1", "r1");
  with_email.set_email("carol@example.com");
  auto first = UpsertAccount(config, with_email);
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->added);
  EXPECT_EQ(first->index, 1);

  auto second = UpsertAccount(config, OAuth("", "U2", "r2"));  // index 2 -> "account-3"
  ASSERT_THAT(second, IsOk());
  v1::AccountConfig key;
  key.set_type("apikey");
  key.set_api_key("sk-1");
  auto third = UpsertAccount(config, key);  // index 3 -> "api-5" (api-4 is a provider)
  ASSERT_THAT(third, IsOk());
  EXPECT_THAT(Names(config), ElementsAre("account-2", "carol@example.com", "account-3", "api-5"));
}

TEST(UpsertAccount, RefusesANameUsedByAnotherAccount) {
  v1::Config config;
  *config.add_accounts() = OAuth("a", "U1", "r1");
  *config.add_accounts() = OAuth("b", "U2", "r2");
  const v1::Config before = config;
  auto result = UpsertAccount(config, OAuth("b", "U1", "r-new"));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("\"b\"")));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("r-new")));
  EXPECT_EQ(config.SerializeAsString(), before.SerializeAsString());
}

// --- DedupeAccounts ------------------------------------------------------------------------------

// Spec §1.5: the most recently added entry of a UUID wins; order of the kept entries is kept.
TEST(DedupeAccounts, KeepsTheMostRecentEntryPerUuid) {
  v1::Config config;
  *config.add_accounts() = OAuth("old-a", "U1", "r-old");
  *config.add_accounts() = OAuth("b", "U2", "r-b");
  *config.add_accounts() = OAuth("new-a", "U1", "r-new");
  EXPECT_EQ(DedupeAccounts(config), 1);
  EXPECT_THAT(Names(config), ElementsAre("b", "new-a"));
  EXPECT_EQ(config.accounts(1).refresh_token(), "r-new");
}

TEST(DedupeAccounts, EntriesWithoutUuidAreDedupedByName) {
  v1::Config config;
  *config.add_accounts() = OAuth("n", "", "r-old");
  *config.add_accounts() = OAuth("", "", "r-anon");  // neither: kept
  *config.add_accounts() = OAuth("n", "", "r-new");
  *config.add_accounts() = OAuth("m", "U1", "r-m");
  *config.add_accounts() = OAuth("m2", "U1", "r-m2");
  EXPECT_EQ(DedupeAccounts(config), 2);
  ASSERT_EQ(config.accounts_size(), 3);
  EXPECT_EQ(config.accounts(0).refresh_token(), "r-anon");
  EXPECT_EQ(config.accounts(1).refresh_token(), "r-new");
  EXPECT_EQ(config.accounts(2).refresh_token(), "r-m2");
}

TEST(DedupeAccounts, NothingToRemove) {
  v1::Config config;
  *config.add_accounts() = OAuth("a", "U1", "r1");
  *config.add_accounts() = OAuth("b", "U2", "r2");
  const v1::Config before = config;
  EXPECT_EQ(DedupeAccounts(config), 0);
  EXPECT_EQ(config.SerializeAsString(), before.SerializeAsString());
}

// --- ApplyRotatedTokens --------------------------------------------------------------------------

const RotatedTokens kNew{"access-new", "r-new", 5000};

TEST(ApplyRotatedTokens, WritesWhenTheDiskHoldsTheTokenRotatedFrom) {
  v1::Config config;
  *config.add_accounts() = OAuth("a", "U1", "r-old");
  EXPECT_EQ(ApplyRotatedTokens(config, {"U1", "a"}, "r-old", kNew), RotationResult::kWritten);
  EXPECT_EQ(config.accounts(0).access_token(), "access-new");
  EXPECT_EQ(config.accounts(0).refresh_token(), "r-new");
  EXPECT_EQ(config.accounts(0).expires_at(), 5000);
}

TEST(ApplyRotatedTokens, WritesAgainWhenTheDiskAlreadyHoldsTheNewToken) {
  v1::Config config;
  *config.add_accounts() = OAuth("a", "U1", "r-new");
  EXPECT_EQ(ApplyRotatedTokens(config, {"U1", "a"}, "r-old", kNew), RotationResult::kWritten);
  EXPECT_EQ(config.accounts(0).expires_at(), 5000);
}

// Spec §7.4, §14 item 11: another writer rotated the token meanwhile; never revert it.
TEST(ApplyRotatedTokens, NeverOverwritesATokenAnotherWriterRotated) {
  v1::Config config;
  *config.add_accounts() = OAuth("a", "U1", "r-other");
  const v1::Config before = config;
  EXPECT_EQ(ApplyRotatedTokens(config, {"U1", "a"}, "r-old", kNew),
            RotationResult::kSupersededOnDisk);
  EXPECT_EQ(config.SerializeAsString(), before.SerializeAsString());
}

TEST(ApplyRotatedTokens, LocatesByUuidEvenWhenRenamed) {
  v1::Config config;
  *config.add_accounts() = OAuth("x", "U0", "r-x");
  *config.add_accounts() = OAuth("renamed", "U1", "r-old");
  EXPECT_EQ(ApplyRotatedTokens(config, {"U1", "a"}, "r-old", kNew), RotationResult::kWritten);
  EXPECT_EQ(config.accounts(1).refresh_token(), "r-new");
  EXPECT_EQ(config.accounts(0).refresh_token(), "r-x");
}

TEST(ApplyRotatedTokens, AccountGone) {
  v1::Config config;
  *config.add_accounts() = OAuth("b", "U2", "r-old");
  EXPECT_EQ(ApplyRotatedTokens(config, {"U1", "a"}, "r-old", kNew), RotationResult::kAccountGone);
  EXPECT_EQ(config.accounts(0).refresh_token(), "r-old");
}

// --- PersistRotatedTokens ------------------------------------------------------------------------

std::string ConfigText(const std::string& refresh) {
  return R"({"upstream": "https://api.anthropic.com", "accounts": [{"name": "a", "type": "oauth",
    "accessToken": "at", "refreshToken": ")" +
         refresh + R"(", "expiresAt": 1000, "accountUuid": "U1", "nickname": "kept"}],
    "_generation": 4})";
}

std::unique_ptr<ConfigStore> StoreFor(const fs::path& path) {
  auto store = ConfigStore::Create(path);
  EXPECT_THAT(store, IsOk());
  return std::move(store).value();
}

TEST(PersistRotatedTokens, WritesTheTokensAndBumpsTheGeneration) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", ConfigText("r-old"));
  auto store = StoreFor(path);
  auto result = PersistRotatedTokens(*store, {"U1", "a"}, "r-old", kNew);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(*result, RotationResult::kWritten);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->generation, 5);
  EXPECT_EQ(loaded->config.accounts(0).refresh_token(), "r-new");
  EXPECT_EQ(loaded->config.accounts(0).access_token(), "access-new");
  EXPECT_EQ(loaded->config.accounts(0).expires_at(), 5000);
  EXPECT_THAT(ReadFile(path), HasSubstr("\"nickname\": \"kept\""));
}

TEST(PersistRotatedTokens, SupersededOnDiskWritesNothing) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", ConfigText("r-other"));
  const std::string before = ReadFile(path);
  auto store = StoreFor(path);
  auto result = PersistRotatedTokens(*store, {"U1", "a"}, "r-old", kNew);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(*result, RotationResult::kSupersededOnDisk);
  EXPECT_EQ(ReadFile(path), before);  // not even the generation moved
}

TEST(PersistRotatedTokens, AccountGoneWritesNothing) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", ConfigText("r-old"));
  const std::string before = ReadFile(path);
  auto store = StoreFor(path);
  auto result = PersistRotatedTokens(*store, {"U9", "zz"}, "r-old", kNew);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(*result, RotationResult::kAccountGone);
  EXPECT_EQ(ReadFile(path), before);
}

TEST(PersistRotatedTokens, AnInvalidFileIsAnErrorAndStaysUntouched) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", "{\"accounts\": [");
  auto store = StoreFor(path);
  auto result = PersistRotatedTokens(*store, {"U1", "a"}, "r-old", kNew);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("r-new")));
  EXPECT_EQ(ReadFile(path), "{\"accounts\": [");
}

}  // namespace
}  // namespace maxpool::config
