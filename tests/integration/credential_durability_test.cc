// A rotated OAuth pair is never lost (spec §1.7, §7.4): the whole server in-process against the
// fake upstream's token endpoint.
// - A save that fails (a full disk, which root cannot bypass) keeps the pair in memory and in use,
//   says so (log line at error level, the account marked), and lands by itself once writes work
//   again; a restart then uses the rotated pair, and the spent one is never sent again.
// - A hand edit from a stale editor buffer (the spent pair) is answered by writing the running pair
//   back; a restart then still serves.

#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/atomic_file.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server_runtime.h"
#include "support/eventually.h"
#include "support/file_size_limit.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kAccess[] = "sk-ant-oat01-durable-access-0";
constexpr char kRefresh[] = "sk-ant-ort01-durable-refresh-0";

class Lines {
 public:
  void Add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(line);
  }
  bool Has(const std::string& part) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& line : lines_) {
      if (absl::StrContains(line, part)) return true;
    }
    return false;
  }
  std::string All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& line : lines_) absl::StrAppend(&out, line, "\n");
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class CredentialDurability : public ::testing::Test {
 protected:
  CredentialDurability() {
    fake::FakeOptions options;
    auto upstream = fake::FakeUpstream::Start(options);
    EXPECT_TRUE(upstream.ok());
    fake_ = std::move(*upstream);
    fake::FakeAccountSpec spec;
    spec.credential = kAccess;
    spec.name = "a";
    spec.oauth.refresh_token = kRefresh;
    spec.oauth.expires_at = absl::Now() + absl::Seconds(30);
    EXPECT_TRUE(fake_->AddAccount(spec).ok());
    config_path_ = dir_.path() / "maxpool.json";
    config_text_ = absl::StrCat(
        R"({"upstream":")", fake_->base_url(), R"(","oauth":{"tokenUrl":")", fake_->token_url(),
        R"("},"eventLog":false,"quotaProbeSeconds":0,"accounts":[{"name":"a","type":"oauth",)",
        R"("accessToken":")", kAccess, R"(","refreshToken":")", kRefresh, R"(","expiresAt":)",
        absl::ToUnixMillis(absl::Now() + absl::Seconds(30)), "}]}");
    EXPECT_TRUE(config::WriteFileAtomically(config_path_, config_text_).ok());
  }
  ~CredentialDurability() override {
    runtime_.reset();
    fake_->Stop();
  }

  void StartServer(bool hot_sync = false) {
    server::RuntimeOptions options = testing::TestRuntimeOptions(config_path_);
    options.hot_sync = hot_sync;
    options.log = [this](const std::string& line) {
      lines_.Add(line);
      if (std::getenv("TEST_VERBOSE")) std::fprintf(stderr, "log: %s\n", line.c_str());
    };
    auto runtime = server::ServerRuntime::Start(std::move(options));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
  }

  int Post() {
    fake::ClientOptions o;
    o.port = runtime_->proxy_port();
    auto client = fake::BlockingHttpClient::Connect(o);
    if (!client.ok()) return 0;
    auto r = (*client)->Request(
        "POST", "/v1/messages",
        {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}},
        R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})");
    return r.ok() ? r->status : 0;
  }

  std::string Unsaved() {
    for (const core::Account& a : runtime_->pool().Snapshot()) {
      if (a.settings.name == "a") return a.state.credentials_unsaved;
    }
    return "(no account)";
  }

  std::string File(const std::string& name) {
    absl::StatusOr<std::string> text = config::ReadFileToString(dir_.path() / name);
    return text.ok() ? *text : "";
  }

  int TimesPresented(const std::string& refresh_token) {
    int n = 0;
    for (const fake::PresentedRefresh& p : fake_->PresentedRefreshTokens()) {
      n += p.refresh_token == refresh_token ? 1 : 0;
    }
    return n;
  }

  std::string CurrentRefresh() { return fake_->OAuthAccount(kAccess)->refresh_token; }

  TempDir dir_;
  std::unique_ptr<fake::FakeUpstream> fake_;
  std::filesystem::path config_path_;
  std::string config_text_;
  Lines lines_;
  std::unique_ptr<server::ServerRuntime> runtime_;
};

TEST_F(CredentialDurability, AFailedSaveIsRetriedUntilItLandsAndARestartUsesTheRotatedPair) {
  StartServer();
  {
    testing::FileSizeLimit disk_full(16);
    EXPECT_EQ(Post(), 200);  // refreshed first: the token expires within 5 minutes
    EXPECT_EQ(TimesPresented(kRefresh), 1);
    EXPECT_THAT(Unsaved(), HasSubstr("maxpool.tokens.json"));
    EXPECT_TRUE(lines_.Has("could not be saved")) << lines_.All();
    EXPECT_EQ(Post(), 200);  // the rotated pair is in use meanwhile
  }
  const std::string rotated = CurrentRefresh();
  ASSERT_NE(rotated, kRefresh);
  EXPECT_TRUE(Eventually([&] { return Unsaved().empty(); }, 20s)) << lines_.All();
  EXPECT_TRUE(Eventually([&] { return lines_.Has("are saved now"); })) << lines_.All();
  EXPECT_THAT(File("maxpool.tokens.json"), HasSubstr(rotated));
  EXPECT_TRUE(Eventually([&] { return absl::StrContains(File("maxpool.json"), rotated); }, 20s));

  runtime_.reset();
  StartServer();
  EXPECT_EQ(Post(), 200);
  EXPECT_EQ(TimesPresented(kRefresh), 1) << "the spent refresh token was sent again";
}

TEST_F(CredentialDurability, APairSavedOnlyInTheTokenFileWinsAtTheNextStart) {
  StartServer();
  {
    // The config file cannot take the rotated pair; the token file alone holds it.
    testing::FileSizeLimit small(static_cast<uint64_t>(config_text_.size()));
    EXPECT_EQ(Post(), 200);
  }
  const std::string rotated = CurrentRefresh();
  EXPECT_THAT(File("maxpool.tokens.json"), HasSubstr(rotated));
  runtime_.reset();
  // Whatever the config file says, the newer pair is the one used.
  ASSERT_TRUE(config::WriteFileAtomically(config_path_, config_text_).ok());
  StartServer();
  EXPECT_TRUE(lines_.Has("using the OAuth tokens saved in")) << lines_.All();
  EXPECT_EQ(Post(), 200);
  EXPECT_EQ(TimesPresented(kRefresh), 1);
}

TEST_F(CredentialDurability, AStaleHandEditGetsTheRunningPairWrittenBack) {
  StartServer(/*hot_sync=*/true);
  EXPECT_EQ(Post(), 200);
  const std::string rotated = CurrentRefresh();
  ASSERT_TRUE(Eventually([&] { return absl::StrContains(File("maxpool.json"), rotated); }, 10s));

  // An editor buffer opened before the refresh, saved after it: the spent pair is back on disk.
  {
    std::ofstream out(config_path_, std::ios::trunc);
    out << config_text_;
  }
  EXPECT_TRUE(Eventually([&] { return absl::StrContains(File("maxpool.json"), rotated); }, 20s))
      << lines_.All();
  EXPECT_TRUE(Eventually([&] { return lines_.Has("written back"); })) << lines_.All();

  runtime_.reset();
  // Even without the token file, the config file alone now holds a working pair.
  std::filesystem::remove(dir_.path() / "maxpool.tokens.json");
  StartServer();
  EXPECT_EQ(Post(), 200);
  EXPECT_EQ(TimesPresented(kRefresh), 1) << "the spent refresh token was sent again";
}

}  // namespace
}  // namespace maxpool
