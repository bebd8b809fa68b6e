#include "config/env_settings.h"

#include <map>
#include <string>

#include "boost/json/serialize.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::EnvFrom;

using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(EnvSettingsTest, NothingSetIsNoOverride) {
  absl::StatusOr<boost::json::object> settings = EnvSettings(EnvFrom({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->empty());
}

TEST(EnvSettingsTest, ListenersUpstreamAndLoggingInTheConfigShape) {
  absl::StatusOr<boost::json::object> settings = EnvSettings(EnvFrom({
      {"MAXPOOL_PROXY_HOST", "0.0.0.0"},
      {"MAXPOOL_PROXY_PORT", "4000"},
      {"MAXPOOL_CONTROL_PORT", "0"},
      {"MAXPOOL_ADMIN_HOST", "::"},
      {"MAXPOOL_ADMIN_PORT", "65535"},
      {"MAXPOOL_UPSTREAM", "http://127.0.0.1:9"},
      {"MAXPOOL_LOG_FORMAT", "json"},
      {"MAXPOOL_LOG_LEVEL", "debug"},
      {"MAXPOOL_CONTROL_HOST", ""},  // empty: unset
  }));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(boost::json::serialize(*settings),
            R"({"proxy":{"host":"0.0.0.0","port":4000},"control":{"port":0},)"
            R"("admin":{"host":"::","port":65535},"upstream":"http://127.0.0.1:9",)"
            R"("logging":{"format":"json","level":"debug"}})");
}

TEST(EnvSettingsTest, SecretsAreReadFromFilesWithoutTheirTrailingNewline) {
  TempDir dir;
  const auto key = dir.Write("proxy-key", "sk-proxy-secret-value\n");
  const auto token = dir.Write("control-token", "control-secret-value\r\n  ");
  const auto read_only = dir.Write("read-only-token", "read-only-value");
  absl::StatusOr<boost::json::object> settings = EnvSettings(EnvFrom({
      {"MAXPOOL_PROXY_KEY_FILE", key.string()},
      {"MAXPOOL_CONTROL_TOKEN_FILE", token.string()},
      {"MAXPOOL_CONTROL_READ_ONLY_TOKEN_FILE", read_only.string()},
  }));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(boost::json::serialize(*settings),
            R"({"proxy":{"apiKey":"sk-proxy-secret-value"},)"
            R"("control":{"token":"control-secret-value","readOnlyToken":"read-only-value"}})");
}

TEST(EnvSettingsTest, BadValuesNameTheVariableAndNeverTheSecret) {
  TempDir dir;
  const auto empty = dir.Write("empty", "\n");
  struct Case {
    std::map<std::string, std::string> env;
    std::string message;
  };
  const Case cases[] = {
      {{{"MAXPOOL_PROXY_PORT", "80a"}}, "MAXPOOL_PROXY_PORT: expected a port number"},
      {{{"MAXPOOL_ADMIN_PORT", "65536"}}, "MAXPOOL_ADMIN_PORT: expected a port number"},
      {{{"MAXPOOL_CONTROL_PORT", "-1"}}, "MAXPOOL_CONTROL_PORT: expected a port number"},
      {{{"MAXPOOL_PROXY_KEY_FILE", (dir.path() / "missing").string()}},
       "MAXPOOL_PROXY_KEY_FILE: cannot read the secret"},
      {{{"MAXPOOL_CONTROL_TOKEN_FILE", empty.string()}}, "MAXPOOL_CONTROL_TOKEN_FILE: "},
      {{{"MAXPOOL_CONTROL_READ_ONLY_TOKEN_FILE", dir.path().string()}},
       "MAXPOOL_CONTROL_READ_ONLY_TOKEN_FILE: cannot read the secret"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<boost::json::object> settings = EnvSettings(EnvFrom(c.env));
    ASSERT_FALSE(settings.ok()) << c.message;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(settings.status().message()), HasSubstr(c.message));
  }
  const auto big = dir.Write("big", std::string(70 * 1024, 'k'));
  absl::StatusOr<boost::json::object> settings =
      EnvSettings(EnvFrom({{"MAXPOOL_PROXY_KEY_FILE", big.string()}}));
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(std::string(settings.status().message()), HasSubstr("at most 64 KiB"));
  EXPECT_THAT(std::string(settings.status().message()), Not(HasSubstr("kkkk")));
}

// The shared pool's settings land in the nested `state.redis` object.
TEST(EnvSettingsTest, RedisSettingsNestUnderState) {
  TempDir dir;
  const std::string password = dir.Write("redis-password", "r3dis-pw\n").string();
  absl::StatusOr<boost::json::object> settings = EnvSettings(EnvFrom({
      {"MAXPOOL_STATE_BACKEND", "redis"},
      {"MAXPOOL_REDIS_URL", "redis://redis.svc:6379"},
      {"MAXPOOL_REDIS_PASSWORD_FILE", password},
  }));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(
      boost::json::serialize(*settings),
      R"({"state":{"backend":"redis","redis":{"url":"redis://redis.svc:6379","password":"r3dis-pw"}}})");
}

}  // namespace
}  // namespace maxpool::config
