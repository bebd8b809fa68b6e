// End to end: a rotated refresh token survives a crash (spec §1.7, §7.4). The real `maxpool
// server` refreshes an expiring token at the real fake upstream, persists the rotation, and is
// killed with SIGKILL; the restarted server works with the new refresh token, and the spent one
// is never sent again.

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/child_process.h"
#include "support/curl.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif
#ifndef MAXPOOL_FAKE_BIN
#error "MAXPOOL_FAKE_BIN must name the built maxpool-fake-upstream binary"
#endif

namespace maxpool::testing {
namespace {

constexpr char kAccess[] = "sk-ant-oat01-crash-test-access";
constexpr char kFirstRefresh[] = "sk-ant-ort01-crash-test-first";

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(RefreshCrashE2E, AfterSigkillTheRestartedServerUsesTheRotatedTokenAndNeverTheSpentOne) {
  TempDir dir;
  const uint16_t fake_port = FreePort();
  const uint16_t proxy_port = FreePort();
  const int64_t expires_at =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() + std::chrono::minutes(1))
          .count();
  const std::string scenario = dir.Write(
      "scenario.json", absl::StrCat(R"({"accounts":[{"credential":")", kAccess,
                                    R"(","type":"oauth","name":"crash","refresh_token":")",
                                    kFirstRefresh, R"(","expires_at":)", expires_at, "}]}"));
  ChildProcess fake({MAXPOOL_FAKE_BIN, "--port", std::to_string(fake_port), "--scenario", scenario},
                    (dir.path() / "fake.log").string());
  ASSERT_TRUE(WaitForPort(fake_port));
  const std::string base = absl::StrCat("http://127.0.0.1:", fake_port);
  const std::string config = dir.Write(
      "maxpool.json",
      absl::StrCat(R"({"proxy":{"host":"127.0.0.1","port":)", proxy_port, R"(},"upstream":")", base,
                   R"(","oauth":{"tokenUrl":")", base, R"(/v1/oauth/token"},"eventLog":false,)",
                   R"("accounts":[{"name":"crash","type":"oauth","accessToken":")", kAccess,
                   R"(","refreshToken":")", kFirstRefresh, R"(","expiresAt":)", expires_at, "}]}"));
  const std::string request = absl::StrCat(
      "-o /dev/null -w '%{http_code}' -H 'content-type: application/json' ",
      "-H 'anthropic-version: 2023-06-01' -d "
      "'{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\","
      "\"content\":\"hi\"}]}' http://127.0.0.1:",
      proxy_port, "/v1/messages");
  const std::string server_log = (dir.path() / "server.log").string();

  std::string rotated_refresh;
  {
    ChildProcess server(
        {MAXPOOL_BIN, "server", "--control-port", "0", "--admin-port", "0", "--config", config},
        server_log);
    ASSERT_TRUE(WaitForPort(proxy_port)) << ReadFile(server_log);
    // The token expires within 5 minutes: this request refreshes it first.
    EXPECT_EQ(Curl(dir, request), "200") << ReadFile(server_log);
    const std::string saved = ReadFile(config);
    EXPECT_FALSE(absl::StrContains(saved, kFirstRefresh)) << "the rotation was not persisted";
    const std::string oauth_state = Curl(dir, base + "/_fake/oauth");
    const size_t at = oauth_state.find("\"refresh_token\":\"");
    ASSERT_NE(at, std::string::npos) << oauth_state;
    rotated_refresh = oauth_state.substr(at + 17, oauth_state.find('"', at + 17) - at - 17);
    EXPECT_TRUE(absl::StrContains(saved, rotated_refresh)) << "the file lacks the rotated token";
    EXPECT_EQ(server.Stop(SIGKILL), -1);
  }

  // Restart on the same file. The fake expires the access token, so the next request gets a
  // 401 and maxpool must refresh with the rotated token.
  ASSERT_FALSE(Curl(dir, absl::StrCat("-X POST -d '{\"credential\":\"", kAccess, "\"}' ", base,
                                      "/_fake/oauth/expire"))
                   .empty());
  ChildProcess server(
      {MAXPOOL_BIN, "server", "--control-port", "0", "--admin-port", "0", "--config", config},
      server_log);
  ASSERT_TRUE(WaitForPort(proxy_port)) << ReadFile(server_log);
  EXPECT_EQ(Curl(dir, request), "200") << ReadFile(server_log);

  const std::string oauth_state = Curl(dir, base + "/_fake/oauth");
  EXPECT_EQ(Occurrences(oauth_state, kFirstRefresh), 1) << "the spent token was sent again:\n"
                                                        << oauth_state;
  EXPECT_NE(oauth_state.find(rotated_refresh), std::string::npos);
  EXPECT_FALSE(absl::StrContains(oauth_state, "\"accepted\":false")) << oauth_state;
  // No token the fake ever issued or saw appears in the server's output (both runs).
  // The activity log is written in batches: wait for the restarted server's refresh line.
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains(ReadFile(server_log), "token refreshed");
  })) << ReadFile(server_log);
  const std::string log = ReadFile(server_log);
  int tokens_checked = 0;
  for (size_t at = oauth_state.find("sk-ant-"); at != std::string::npos;
       at = oauth_state.find("sk-ant-", at + 1)) {
    const std::string token = oauth_state.substr(at, oauth_state.find('"', at) - at);
    EXPECT_FALSE(absl::StrContains(log, token)) << "a token leaked into the log";
    ++tokens_checked;
  }
  EXPECT_GE(tokens_checked, 4);
}

}  // namespace
}  // namespace maxpool::testing
