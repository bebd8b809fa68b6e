// The layered config of a server (config_sources.h) and its writes through ConfigStore: a
// read-only config file, Secret-style accounts, the overlay in the state directory and the
// environment; nothing is ever written to a read-only source.

#include "config/config_sources.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "config/config_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFileKey[] = "sk-ant-api03-test-file-key-00000000000000000";
constexpr char kSecretKey[] = "sk-ant-api03-test-secret-key-000000000000000";
constexpr char kSecretOAuth[] = "sk-ant-oat01-test-secret-oauth-0000000000000";
constexpr char kRuntimeKey[] = "sk-ant-api03-test-runtime-key-00000000000000";

class ConfigSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "accounts");
    std::filesystem::create_directories(dir_.path() / "state");
  }

  EnvLookup Env() const { return ::maxpool::testing::EnvOver(env_); }

  ConfigSources Sources() {
    absl::StatusOr<ConfigSources> sources = ResolveConfigSources(config_, Env());
    EXPECT_TRUE(sources.ok()) << sources.status();
    return sources.ok() ? *sources : ConfigSources();
  }

  std::vector<std::string> Names(const v1::Config& config) {
    std::vector<std::string> names;
    for (const v1::AccountConfig& account : config.accounts()) names.push_back(account.name());
    return names;
  }

  TempDir dir_;
  std::filesystem::path config_ =
      dir_.Write("maxpool.json",
                 absl::StrCat(R"({"proxy": {"port": 4100}, "routing": {"mode": "automatic"},)",
                              R"( "accounts": [{"name": "file", "type": "apikey", "apiKey": ")",
                              kFileKey, R"("}]})"));
  std::map<std::string, std::string> env_ = {
      {"MAXPOOL_STATE_DIR", (dir_.path() / "state").string()},
      {"MAXPOOL_ACCOUNTS_DIR", (dir_.path() / "accounts").string()},
  };
};

TEST_F(ConfigSourcesTest, AccountsDirectoryAddsOneAccountPerFile) {
  dir_.Write("accounts/secret-key", absl::StrCat(kSecretKey, "\n"));
  dir_.Write("accounts/oauth.json",
             absl::StrCat(R"({"type": "oauth", "accessToken": ")", kSecretOAuth,
                          R"(", "refreshToken": "sk-ant-ort01-x", "expiresAt": 1})"));
  dir_.Write("accounts/..data", "ignored");
  dir_.Write("accounts/.hidden", "ignored");
  absl::StatusOr<LoadedConfig> loaded = LoadLayered(Sources());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(loaded->config), ::testing::ElementsAre("file", "oauth", "secret-key"));
  EXPECT_EQ(loaded->config.accounts(1).type(), "oauth");
  EXPECT_EQ(loaded->config.accounts(1).refresh_token(), "sk-ant-ort01-x");
  EXPECT_EQ(loaded->config.accounts(2).api_key(), kSecretKey);
}

TEST_F(ConfigSourcesTest, BadAccountFilesAreNamedAndTheirContentNeverShown) {
  dir_.Write("accounts/broken", "{\"apiKey\": \"sk-ant-api03-secret-in-broken-json");
  absl::StatusOr<LoadedConfig> loaded = LoadLayered(Sources());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("accounts/broken: neither"));
  EXPECT_THAT(std::string(loaded.status().message()), Not(HasSubstr("secret-in-broken")));

  std::filesystem::remove(dir_.path() / "accounts/broken");
  dir_.Write("accounts/alias",
             absl::StrCat(R"({"name": "other", "apiKey": ")", kSecretKey, R"("})"));
  loaded = LoadLayered(Sources());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("differs from the file name"));

  std::filesystem::remove(dir_.path() / "accounts/alias");
  dir_.Write("accounts/file", kSecretKey);  // the config file has an account of that name
  loaded = LoadLayered(Sources());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("\"file\" is also in"));
}

TEST_F(ConfigSourcesTest, AccountsFileTakesAnArrayOrAnObject) {
  const auto file = dir_.Write(
      "accounts.json",
      absl::StrCat(R"({"accounts": [{"name": "a", )", R"("apiKey": ")", kSecretKey, R"("}]})"));
  env_.erase("MAXPOOL_ACCOUNTS_DIR");
  env_["MAXPOOL_ACCOUNTS_FILE"] = file.string();
  absl::StatusOr<LoadedConfig> loaded = LoadLayered(Sources());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(loaded->config), ::testing::ElementsAre("file", "a"));
  dir_.Write("accounts.json", R"([{"name": "b", "type": "password", "apiKey": "x"}])");
  loaded = LoadLayered(Sources());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("accounts.json: accounts[0]: "));
  dir_.Write("accounts.json", R"({"accounts": 3})");
  loaded = LoadLayered(Sources());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("expected a JSON array"));
}

TEST_F(ConfigSourcesTest, EnvironmentWinsOverTheFileAndIsNeverWrittenBack) {
  env_["MAXPOOL_PROXY_PORT"] = "4200";
  env_["MAXPOOL_PROXY_HOST"] = "0.0.0.0";
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Create(Sources());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<LoadedConfig> loaded = (*store)->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.proxy().port(), 4200);
  EXPECT_EQ(loaded->config.proxy().host(), "0.0.0.0");
  // A writable file: changed in place, keeping its own port, gaining no host.
  ASSERT_TRUE((*store)
                  ->Update(
                      [](v1::Config& config) {
                        config.set_switch_threshold(0.8);
                        return absl::OkStatus();
                      },
                      std::nullopt)
                  .ok());
  const std::string text = ReadFile(config_);
  EXPECT_THAT(text, HasSubstr(R"("port": 4100)"));
  EXPECT_THAT(text, Not(HasSubstr("0.0.0.0")));
  EXPECT_THAT(text, HasSubstr(R"("switchThreshold": 0.8)"));
}

TEST_F(ConfigSourcesTest, ReadOnlyFileSendsChangesToTheOverlay) {
  env_["MAXPOOL_CONFIG_READ_ONLY"] = "1";
  dir_.Write("accounts/secret-key", kSecretKey);
  const std::string before = ReadFile(config_);
  const ConfigSources sources = Sources();
  EXPECT_FALSE(sources.file_writable);
  EXPECT_EQ(sources.target(), dir_.path() / "state" / "maxpool.overlay.json");
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Create(sources);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<LoadedConfig> written = (*store)->Update(
      [](v1::Config& config) {
        config.set_switch_threshold(0.8);
        v1::AccountConfig* added = config.add_accounts();
        added->set_name("runtime");
        added->set_type("apikey");
        added->set_api_key(kRuntimeKey);
        return absl::OkStatus();
      },
      std::nullopt);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(ReadFile(config_), before);
  const std::string overlay = ReadFile(sources.target());
  EXPECT_THAT(overlay, HasSubstr(kRuntimeKey));
  EXPECT_THAT(overlay, HasSubstr(R"("switchThreshold": 0.8)"));
  // Neither the file's nor the Secret's credentials are copied into the state directory.
  EXPECT_THAT(overlay, Not(HasSubstr(kFileKey)));
  EXPECT_THAT(overlay, Not(HasSubstr(kSecretKey)));
  EXPECT_THAT(overlay, Not(HasSubstr("4100")));

  absl::StatusOr<LoadedConfig> loaded = (*store)->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(loaded->config), ::testing::ElementsAre("file", "secret-key", "runtime"));
  EXPECT_EQ(loaded->config.switch_threshold(), 0.8);
  EXPECT_EQ(loaded->config.proxy().port(), 4100);
  EXPECT_EQ(loaded->generation, 1);
}

TEST_F(ConfigSourcesTest, AccountsOfReadOnlySourcesCannotBeChangedOrRemoved) {
  env_["MAXPOOL_CONFIG_READ_ONLY"] = "1";
  dir_.Write("accounts/secret-key", kSecretKey);
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Create(Sources());
  ASSERT_TRUE(store.ok()) << store.status();
  for (const std::string name : {"file", "secret-key"}) {
    absl::StatusOr<LoadedConfig> removed = (*store)->Update(
        [&](v1::Config& config) {
          auto* accounts = config.mutable_accounts();
          for (int i = 0; i < accounts->size(); ++i) {
            if (accounts->Get(i).name() == name) accounts->DeleteSubrange(i, 1);
          }
          return absl::OkStatus();
        },
        std::nullopt);
    ASSERT_FALSE(removed.ok()) << name;
    EXPECT_EQ(removed.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(removed.status().message()), HasSubstr("never writes"));
    absl::StatusOr<LoadedConfig> renamed = (*store)->Update(
        [&](v1::Config& config) {
          for (auto& account : *config.mutable_accounts()) {
            if (account.name() == name) account.set_api_key(kRuntimeKey);
          }
          return absl::OkStatus();
        },
        std::nullopt);
    ASSERT_FALSE(renamed.ok()) << name;
    EXPECT_THAT(std::string(renamed.status().message()), HasSubstr("change \"apiKey\" there"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "state" / "maxpool.overlay.json"));
}

TEST_F(ConfigSourcesTest, TokenRotationOfAReadOnlyAccountIsNotAChangeOfTheSource) {
  dir_.Write("accounts/oauth",
             absl::StrCat(R"({"type": "oauth", "accessToken": ")", kSecretOAuth,
                          R"(", "refreshToken": "sk-ant-ort01-old", "expiresAt": 1})"));
  const std::string secret_before = ReadFile(dir_.path() / "accounts/oauth");
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Create(Sources());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<LoadedConfig> written = (*store)->Update(
      [](v1::Config& config) {
        for (auto& account : *config.mutable_accounts()) {
          if (account.name() == "oauth") {
            account.set_access_token("sk-ant-oat01-rotated");
            account.set_refresh_token("sk-ant-ort01-rotated");
            account.set_expires_at(2);
          }
        }
        return absl::OkStatus();
      },
      std::nullopt);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(ReadFile(dir_.path() / "accounts/oauth"), secret_before);
  EXPECT_THAT(ReadFile(config_), Not(HasSubstr("rotated")));
}

TEST_F(ConfigSourcesTest, AMissingConfigFileReadsAsTheDefaults) {
  config_ = dir_.path() / "absent" / "maxpool.json";
  dir_.Write("accounts/secret-key", kSecretKey);
  absl::StatusOr<LoadedConfig> loaded = LoadLayered(Sources());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.proxy().port(), 3456);
  EXPECT_THAT(Names(loaded->config), ::testing::ElementsAre("secret-key"));
}

}  // namespace
}  // namespace maxpool::config
