// Hot-sync of the config file into a running proxy (spec §1.3, §1.4, §6.6, §14 item 9): the real
// proxy and pool in front of the fake upstream, a config file edited through ConfigStore (atomic
// saves) and server::HotSync watching it. Acceptance: add, disable and delete accounts while 50
// streams are in flight, and no stream breaks.

#include "server/hot_sync.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "config/atomic_file.h"
#include "config/config_store.h"
#include "core/clock.h"
#include "fake/test_client.h"
#include "gtest/gtest.h"
#include "server/oauth_wiring.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/router_harness.h"
#include "support/temp_dir.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::TempDir;
using std::chrono::milliseconds;
using std::chrono::seconds;

bool Has(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string OAuthCredential(const std::string& name) {
  return absl::StrCat("sk-ant-oat01-test-", name);
}
std::string ApiKeyCredential(const std::string& name) {
  return absl::StrCat("sk-ant-api03-test-", name);
}

v1::AccountConfig OAuthEntry(const std::string& name, double priority = 0) {
  v1::AccountConfig a;
  a.set_name(name);
  a.set_type("oauth");
  a.set_access_token(OAuthCredential(name));
  if (priority != 0) a.set_priority(priority);
  return a;
}

v1::AccountConfig ApiKeyEntry(const std::string& name, const std::string& key) {
  v1::AccountConfig a;
  a.set_name(name);
  a.set_type("apikey");
  a.set_api_key(key);
  return a;
}

v1::AccountConfig* Find(v1::Config& config, const std::string& name) {
  for (v1::AccountConfig& a : *config.mutable_accounts()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

// Thread-safe capture of the hot-sync's log lines.
class Logs {
 public:
  server::HotSync::Log Sink() {
    return [this](const std::string& line) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  int Count(std::string_view needle) const {
    int n = 0;
    for (const std::string& line : lines()) n += Has(line, needle) ? 1 : 0;
    return n;
  }
  bool Saw(std::string_view needle) const { return Count(needle) > 0; }
  // Waits for a line containing `needle`.
  bool Await(std::string_view needle, milliseconds limit = milliseconds(10000)) const {
    return Eventually([&] { return Saw(needle); }, limit);
  }
  std::string Dump() const {
    std::string out;
    for (const std::string& line : lines()) absl::StrAppend(&out, "  ", line, "\n");
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class HotSyncTest : public ::testing::Test {
 protected:
  void Init(ProxyHarness::Options options = ProxyHarness::DefaultOptions()) {
    harness_ = std::make_unique<ProxyHarness>(std::move(options));
    path_ = dir_.path() / "maxpool.json";
    auto store = config::ConfigStore::Create(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  ProxyHarness& h() { return *harness_; }

  // One atomic read-modify-write of the config file, as `maxpool login` or the TUI would do.
  void Edit(const std::function<void(v1::Config&)>& change) {
    absl::StatusOr<config::LoadedConfig> written = store_->Update(
        [&](v1::Config& config) {
          change(config);
          return absl::OkStatus();
        },
        std::nullopt);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // Writes the first config: the fake as the upstream, and `accounts`.
  void WriteInitial(const std::vector<v1::AccountConfig>& accounts,
                    const std::function<void(v1::Config&)>& extra = nullptr) {
    Edit([&](v1::Config& config) {
      config.clear_accounts();
      config.set_upstream(h().upstream().base_url());
      for (const v1::AccountConfig& a : accounts) *config.add_accounts() = a;
      if (extra) extra(config);
    });
  }

  // Starts HotSync on the file as it is now (the config the pool was built from).
  // `watch` false: Apply() only (no watcher applying the file concurrently).
  void StartSync(server::OAuthWiring* oauth = nullptr, bool watch = true) {
    absl::StatusOr<config::LoadedConfig> loaded = store_->Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    server::HotSyncOptions options;
    options.path = path_;
    options.poll_interval = milliseconds(250);  // the fallback, should inotify miss something
    options.removal_retry = milliseconds(100);
    sync_ =
        std::make_unique<server::HotSync>(options, h().pool(), oauth, loaded->config, logs_.Sink());
    if (watch) {
      ASSERT_TRUE(sync_->Start().ok());
    }
  }

  std::optional<core::Account> Account(std::string_view name) {
    for (core::Account& a : h().pool().Snapshot()) {
      if (a.settings.name == name) return a;
    }
    return std::nullopt;
  }

  std::string SecretOf(std::string_view name) {
    for (auto& [owner, credential] : h().pool().Credentials()) {
      if (owner == name) return credential.secret;
    }
    return "";
  }

  // The requests the fake received whose body contains `marker`.
  std::vector<fake::RecordedRequest> RequestsWith(std::string_view marker) {
    std::vector<fake::RecordedRequest> out;
    for (fake::RecordedRequest& r : h().upstream().Requests()) {
      if (Has(r.body, marker)) out.push_back(std::move(r));
    }
    return out;
  }

  // One non-streaming request with `marker` in its body; returns the credential the fake
  // attributed it to ("" when it did not arrive). `settle`: waits until no account has a request
  // in flight (the proxy releases the lease just after the client has read the answer).
  std::string SendOne(const std::string& marker, bool settle = true) {
    fake::HttpResponse response = h().Post(false, {}, ProxyHarness::MessageBody(false, marker));
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_TRUE(!settle || Eventually([&] {
      for (const core::Account& a : h().pool().Snapshot()) {
        if (a.state.in_flight != 0) return false;
      }
      return true;
    }));
    std::vector<fake::RecordedRequest> seen = RequestsWith(marker);
    return seen.size() == 1 ? seen.front().credential : "";
  }

  // One OAuth account "A" whose access token expires within the refresh lead (at soon_ms_), in
  // the pool as the server builds it from the file and in the file (with `uuid` when given);
  // then the OAuth wiring over it, the harness and hot-sync. `original`: A's access token.
  void StartExpiringOAuthAccount(const std::string& uuid, std::string* original) {
    ASSERT_NO_FATAL_FAILURE(Init());
    fake::FakeAccountSpec spec;
    spec.oauth.refresh_token = "sk-ant-ort01-test-A-1";
    spec.oauth.expires_in = absl::Hours(1);
    soon_ms_ = absl::ToUnixMillis(absl::Now() + absl::Minutes(1));
    *original =
        h().AddAccount("A", spec, 0, [&](core::AccountSettings&, pool::Credential& credential) {
          credential.refresh_token = "sk-ant-ort01-test-A-1";
          credential.expires_at_ms = soon_ms_;
        });
    v1::AccountConfig entry = OAuthEntry("A");
    if (!uuid.empty()) entry.set_account_uuid(uuid);
    entry.set_refresh_token("sk-ant-ort01-test-A-1");
    entry.set_expires_at(soon_ms_);
    ASSERT_NO_FATAL_FAILURE(WriteInitial({entry}, [&](v1::Config& config) {
      config.mutable_oauth()->set_token_url(h().upstream().token_url());
    }));
    absl::StatusOr<config::LoadedConfig> loaded = store_->Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    absl::StatusOr<std::unique_ptr<server::OAuthWiring>> oauth = server::OAuthWiring::Create(
        system_clock_, loaded->config, store_.get(), nullptr, h().pool(), oauth_logs_.Sink());
    ASSERT_TRUE(oauth.ok()) << oauth.status();
    oauth_ = std::move(*oauth);
    h().Start();
    ASSERT_NO_FATAL_FAILURE(StartSync(oauth_.get()));
  }

  void TearDown() override {
    if (sync_) sync_->Stop();
    // The logs never show a credential (every test secret has "01-test" or "03-test" in it).
    for (const std::string& line : logs_.lines()) {
      EXPECT_FALSE(Has(line, "01-test") || Has(line, "03-test")) << line;
    }
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<ProxyHarness> harness_;
  std::unique_ptr<config::ConfigStore> store_;
  Logs logs_;
  // StartExpiringOAuthAccount()'s: the wiring (its refresher runs on the wall clock) and its log.
  core::SystemClock system_clock_;
  Logs oauth_logs_;
  std::unique_ptr<server::OAuthWiring> oauth_;
  int64_t soon_ms_ = 0;
  std::unique_ptr<server::HotSync> sync_;
};

// Joins client threads however the test ends (an ASSERT must not leave them joinable).
class Joiner {
 public:
  explicit Joiner(std::vector<std::thread>& threads) : threads_(threads) {}
  ~Joiner() { JoinAll(); }
  void JoinAll() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::thread>& threads_;
};

// Acceptance: 50 streams in flight; the file adds D, disables B and deletes C (which carries
// streams). Every stream completes intact; new requests go only to enabled accounts, D among
// them; C gets no new request and leaves the pool once its streams have finished.
TEST_F(HotSyncTest, FiftyStreamsSurviveAddDisableAndDelete) {
  constexpr int kStreams = 50;
  constexpr int kEvents = 40;
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.fake.threads = 4;
  options.fake.event_delay = milliseconds(100);  // each stream lasts about 4 s
  options.fake.default_events = kEvents;
  options.proxy.threads = 4;
  ASSERT_NO_FATAL_FAILURE(Init(options));
  for (const char* name : {"A", "B", "C"}) h().AddAccount(name);
  fake::FakeAccountSpec d;
  d.name = "D";
  d.credential = OAuthCredential("D");
  ASSERT_TRUE(h().upstream().AddAccount(d).ok());
  ASSERT_NO_FATAL_FAILURE(WriteInitial({OAuthEntry("A"), OAuthEntry("B"), OAuthEntry("C")}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync());

  std::vector<fake::HttpResponse> responses(kStreams);
  std::vector<std::string> errors(kStreams);
  std::vector<std::thread> clients;
  Joiner joiner(clients);
  for (int i = 0; i < kStreams; ++i) {
    clients.emplace_back([&, i] {
      fake::ClientOptions o;
      o.port = h().port();
      o.timeout = seconds(60);
      auto client = fake::BlockingHttpClient::Connect(o);
      if (!client.ok()) {
        errors[i] = client.status().ToString();
        return;
      }
      auto response =
          (*client)->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                             ProxyHarness::MessageBody(true, absl::StrCat("stream-", i)));
      if (!response.ok()) {
        errors[i] = response.status().ToString();
        return;
      }
      responses[i] = *std::move(response);
    });
  }

  // All streams in flight, spread so that B and C carry some.
  auto in_flight = [&](std::string_view name) {
    std::optional<core::Account> a = Account(name);
    return a ? a->state.in_flight : 0;
  };
  ASSERT_TRUE(Eventually(
      [&] { return in_flight("A") + in_flight("B") + in_flight("C") == kStreams; }, seconds(20)))
      << "A " << in_flight("A") << " B " << in_flight("B") << " C " << in_flight("C");
  const int on_b = in_flight("B");
  const int on_c = in_flight("C");
  ASSERT_GT(on_b, 0);
  ASSERT_GT(on_c, 0);

  Edit([&](v1::Config& config) {
    Find(config, "B")->set_enabled(false);
    config.mutable_accounts()->DeleteSubrange(2, 1);  // C
    *config.add_accounts() = OAuthEntry("D");
  });
  ASSERT_TRUE(Eventually(
      [&] {
        std::optional<core::Account> b = Account("B");
        std::optional<core::Account> c = Account("C");
        return Account("D").has_value() && b && !b->settings.enabled &&
               (!c || !c->settings.enabled);
      },
      seconds(10)))
      << logs_.Dump();
  // C still carries its streams: disabled now, removed when idle.
  EXPECT_TRUE(logs_.Saw("account C: deleted from the config file; disabled")) << logs_.Dump();
  EXPECT_TRUE(Account("D")->settings.added_at.has_value());  // warm-up (§6.6)

  // New requests while the streams run: only A and D (enabled), D among them.
  int to_d = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string credential = SendOne(absl::StrCat("after-edit-", i), /*settle=*/false);
    EXPECT_TRUE(credential == OAuthCredential("A") || credential == OAuthCredential("D"))
        << "request " << i << " went to " << credential;
    to_d += credential == OAuthCredential("D") ? 1 : 0;
  }
  EXPECT_GT(to_d, 0);

  joiner.JoinAll();
  for (int i = 0; i < kStreams; ++i) {
    SCOPED_TRACE(absl::StrCat("stream ", i));
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(responses[i].status, 200);
    EXPECT_TRUE(Has(responses[i].body, "event: message_stop"));
    EXPECT_FALSE(Has(responses[i].body, "event: error"));
    int deltas = 0;
    for (size_t at = responses[i].body.find("text_delta"); at != std::string::npos;
         at = responses[i].body.find("text_delta", at + 1)) {
      ++deltas;
    }
    EXPECT_EQ(deltas, kEvents);
  }

  // C leaves once idle; B stays, disabled; A and D serve.
  EXPECT_TRUE(Eventually([&] { return !Account("C").has_value(); }, seconds(10))) << logs_.Dump();
  EXPECT_TRUE(sync_->PendingRemovals().empty());
  ASSERT_TRUE(Account("B").has_value());
  EXPECT_FALSE(Account("B")->settings.enabled);
  EXPECT_TRUE(logs_.Saw("account C: idle; removed from the pool")) << logs_.Dump();
  // Every request C ever received was one of the streams it had when the file changed.
  const std::map<std::string, fake::CredentialStats> stats = h().upstream().Stats();
  EXPECT_EQ(stats.at(OAuthCredential("C")).requests, on_c);
  EXPECT_EQ(stats.at(OAuthCredential("B")).requests, on_b);
  EXPECT_EQ(stats.at(OAuthCredential("C")).streams_completed, on_c);
}

// §14 item 9: a fresher in-memory token (rotated by the refresher) is never replaced by a staler
// copy written back to the file.
TEST_F(HotSyncTest, StalerTokenOnDiskIsNotAdopted) {
  std::string original;
  ASSERT_NO_FATAL_FAILURE(StartExpiringOAuthAccount("", &original));
  const int64_t soon_ms = soon_ms_;

  // The first request refreshes (the token expires within 5 minutes) and uses the new token,
  // which is persisted to the file.
  ASSERT_EQ(SendOne("first"), original);  // attributed to the account
  const std::string rotated = h().upstream().OAuthAccount(original)->access_token;
  ASSERT_NE(rotated, original);
  EXPECT_EQ(RequestsWith("first").front().Header("authorization"), "Bearer " + rotated);
  ASSERT_TRUE(Eventually([&] { return Has(testing::ReadFile(path_), rotated); }));

  // Another writer puts the old pair back.
  Edit([&](v1::Config& config) {
    v1::AccountConfig* a = Find(config, "A");
    a->set_access_token(original);
    a->set_refresh_token("sk-ant-ort01-test-A-1");
    a->set_expires_at(soon_ms);
  });
  ASSERT_TRUE(logs_.Await("account A: the config file holds older OAuth tokens")) << logs_.Dump();

  ASSERT_EQ(SendOne("second"), original);
  EXPECT_EQ(RequestsWith("second").front().Header("authorization"), "Bearer " + rotated);
  EXPECT_EQ(SecretOf("A"), rotated);
  EXPECT_EQ(h().upstream().TokenCalls(), 1);  // the stale refresh token was never presented
  ASSERT_TRUE(h().pool().Tokens("A").has_value());
  EXPECT_EQ(h().pool().Tokens("A")->access_token, rotated);
  // Reported once, although the file was read again since (the watcher and the later sends).
  EXPECT_EQ(logs_.Count("holds older OAuth tokens"), 1);
  sync_->Stop();  // before the wiring goes
  h().pool().SetTokenRefresher(nullptr);
}

// A renamed OAuth account keeps its tokens (they stay with it in the pool), and its next rotation
// is saved into the renamed entry of the file, found by its accountUuid.
TEST_F(HotSyncTest, RenamedOAuthAccountKeepsItsTokensAndSavesItsNextRotationUnderTheNewName) {
  std::string original;
  ASSERT_NO_FATAL_FAILURE(
      StartExpiringOAuthAccount("6f1c2d3e-0000-4000-8000-00000000000a", &original));

  Edit([&](v1::Config& config) { Find(config, "A")->set_name("renamed"); });
  ASSERT_TRUE(logs_.Await("account A: renamed to renamed")) << logs_.Dump();
  ASSERT_TRUE(h().pool().Tokens("renamed").has_value());
  EXPECT_EQ(h().pool().Tokens("renamed")->refresh_token, "sk-ant-ort01-test-A-1");
  EXPECT_FALSE(h().pool().Tokens("A").has_value());

  // Its first request refreshes (the token expires within 5 minutes) with the token it kept.
  ASSERT_EQ(SendOne("after-rename"), original);
  const std::string rotated = h().upstream().OAuthAccount(original)->access_token;
  ASSERT_NE(rotated, original);
  EXPECT_EQ(RequestsWith("after-rename").front().Header("authorization"), "Bearer " + rotated);
  EXPECT_EQ(h().upstream().TokenCalls(), 1);
  EXPECT_EQ(h().pool().Tokens("renamed")->access_token, rotated);
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<config::LoadedConfig> now = store_->Load();
    if (!now.ok()) return false;
    const v1::AccountConfig* saved = Find(now->config, "renamed");
    return saved != nullptr && saved->access_token() == rotated &&
           saved->refresh_token() != "sk-ant-ort01-test-A-1";
  })) << oauth_logs_.Dump();
  EXPECT_TRUE(oauth_logs_.Saw("account renamed: token refreshed")) << oauth_logs_.Dump();
  sync_->Stop();  // before the wiring goes
  h().pool().SetTokenRefresher(nullptr);
}

TEST_F(HotSyncTest, ChangedApiKeyIsUsedByTheNextRequest) {
  ASSERT_NO_FATAL_FAILURE(Init());
  fake::FakeAccountSpec key;
  key.type = fake::AccountType::kApiKey;
  const std::string k1 = h().AddAccount("K", key);
  fake::FakeAccountSpec second;
  second.type = fake::AccountType::kApiKey;
  second.name = "K2";
  second.credential = ApiKeyCredential("K2");
  ASSERT_TRUE(h().upstream().AddAccount(second).ok());
  ASSERT_NO_FATAL_FAILURE(WriteInitial({ApiKeyEntry("K", k1)}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync());

  ASSERT_EQ(SendOne("before"), k1);
  EXPECT_EQ(RequestsWith("before").front().Header("x-api-key"), k1);

  Edit([&](v1::Config& config) { Find(config, "K")->set_api_key(ApiKeyCredential("K2")); });
  ASSERT_TRUE(Eventually([&] { return SecretOf("K") == ApiKeyCredential("K2"); }, seconds(10)))
      << logs_.Dump();
  EXPECT_EQ(SendOne("after"), ApiKeyCredential("K2"));
  EXPECT_EQ(RequestsWith("after").front().Header("x-api-key"), ApiKeyCredential("K2"));
  EXPECT_TRUE(logs_.Saw("account K: credential ")) << logs_.Dump();
}

TEST_F(HotSyncTest, PriorityAndCapChangesTakeEffect) {
  ASSERT_NO_FATAL_FAILURE(Init());
  fake::FakeAccountSpec half_used;
  half_used.utilization_5h = 0.5;  // reported on every answer
  h().AddAccount("A", half_used, 0);
  h().AddAccount("B", {}, 1);
  ASSERT_NO_FATAL_FAILURE(WriteInitial({OAuthEntry("A", 0), OAuthEntry("B", 1)}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync());
  ASSERT_EQ(SendOne("p0"), OAuthCredential("A"));  // reads A's 5-hour utilization

  Edit([&](v1::Config& config) { Find(config, "A")->set_priority(2); });
  ASSERT_TRUE(Eventually([&] { return Account("A")->settings.priority == 2; }, seconds(10)));
  EXPECT_EQ(SendOne("p1"), OAuthCredential("B"));

  // Preferred again, but capped below what it has used: spared.
  Edit([&](v1::Config& config) {
    Find(config, "A")->set_priority(0);
    Find(config, "A")->set_cap_utilization(0.4);
  });
  ASSERT_TRUE(Eventually(
      [&] {
        const core::Account a = *Account("A");
        return a.settings.priority == 0 && a.settings.cap_utilization == 0.4;
      },
      seconds(10)));
  EXPECT_EQ(SendOne("p2"), OAuthCredential("B"));

  Edit([&](v1::Config& config) { Find(config, "A")->clear_cap_utilization(); });
  ASSERT_TRUE(
      Eventually([&] { return !Account("A")->settings.cap_utilization.has_value(); }, seconds(10)));
  EXPECT_EQ(SendOne("p3"), OAuthCredential("A"));
  EXPECT_TRUE(logs_.Saw("account A: priority 0 -> 2")) << logs_.Dump();
  EXPECT_TRUE(logs_.Saw("usage cap none -> 0.4")) << logs_.Dump();
}

// The file's `routing` is the running policy: preferring an account there (by hand, or by
// `maxpool rename` keeping it pointed at the account) routes to it, and automatic undoes it.
TEST_F(HotSyncTest, RoutingSectionEditsTakeEffect) {
  ASSERT_NO_FATAL_FAILURE(Init());
  h().AddAccount("A", {}, 0);
  h().AddAccount("B", {}, 1);
  ASSERT_NO_FATAL_FAILURE(WriteInitial({OAuthEntry("A", 0), OAuthEntry("B", 1)}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync());
  ASSERT_EQ(SendOne("r0"), OAuthCredential("A"));

  Edit([&](v1::Config& config) {
    config.mutable_routing()->set_mode("preferred");
    config.mutable_routing()->set_preferred_account("B");
  });
  ASSERT_TRUE(Eventually([&] { return h().pool().RoutingPolicy().preferred; }, seconds(10)));
  EXPECT_EQ(h().pool().RoutingPolicy().preferred_account, "B");
  EXPECT_EQ(SendOne("r1"), OAuthCredential("B"));
  EXPECT_TRUE(logs_.Saw("routing: preferred B (from the config file)")) << logs_.Dump();

  Edit([&](v1::Config& config) {
    config.mutable_routing()->set_mode("automatic");
    config.mutable_routing()->clear_preferred_account();
  });
  ASSERT_TRUE(Eventually([&] { return !h().pool().RoutingPolicy().preferred; }, seconds(10)));
  EXPECT_EQ(SendOne("r2"), OAuthCredential("A"));
}

TEST_F(HotSyncTest, InvalidFileChangesNothingAndIsReported) {
  ASSERT_NO_FATAL_FAILURE(Init());
  h().AddAccount("A");
  h().AddAccount("B");
  ASSERT_NO_FATAL_FAILURE(WriteInitial({OAuthEntry("A"), OAuthEntry("B")}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync());
  const std::vector<core::Account> before = h().pool().Snapshot();

  // Applied, this would delete both accounts.
  ASSERT_TRUE(
      config::WriteFileAtomically(path_, R"({"accounts": [], "scheduler": {"cooldownMs": "soon"}})")
          .ok());
  ASSERT_TRUE(logs_.Await("config: reload failed")) << logs_.Dump();
  EXPECT_TRUE(logs_.Saw("scheduler.cooldownMs")) << logs_.Dump();
  EXPECT_EQ(logs_.Count("config: reload failed"), 1);
  const std::vector<core::Account> after = h().pool().Snapshot();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].settings.name, before[i].settings.name);
    EXPECT_TRUE(after[i].settings.enabled);
  }
  EXPECT_TRUE(sync_->PendingRemovals().empty());
  EXPECT_EQ(SendOne("still-served").empty(), false);

  // Not JSON at all: reported the same way.
  ASSERT_TRUE(config::WriteFileAtomically(path_, "{ not json").ok());
  ASSERT_TRUE(Eventually([&] { return logs_.Count("config: reload failed") == 2; }))
      << logs_.Dump();
  EXPECT_EQ(h().pool().Snapshot().size(), 2u);

  // A good file again (written directly: ConfigStore never rewrites an invalid file): applied.
  ASSERT_TRUE(config::WriteFileAtomically(
                  path_, absl::StrCat(R"({"upstream": ")", h().upstream().base_url(),
                                      R"(", "accounts": [{"name": "A", "type": "oauth", )",
                                      R"("accessToken": ")", OAuthCredential("A"), R"("}]})"))
                  .ok());
  EXPECT_TRUE(Eventually([&] { return !Account("B").has_value(); }, seconds(10))) << logs_.Dump();
}

// Apply() directly: duplicates (same UUID, then same name) keep the last entry and are reported
// once; a deleted account that comes back before it left stays, re-enabled.
TEST_F(HotSyncTest, DuplicatesAndReappearingAccounts) {
  ASSERT_NO_FATAL_FAILURE(Init());
  h().AddAccount("A");
  fake::FakeAccountSpec b;
  b.type = fake::AccountType::kApiKey;
  const std::string key_b = h().AddAccount("B", b);
  ASSERT_NO_FATAL_FAILURE(WriteInitial({OAuthEntry("A"), ApiKeyEntry("B", key_b)}));
  h().Start();
  ASSERT_NO_FATAL_FAILURE(StartSync(nullptr, /*watch=*/false));
  absl::StatusOr<config::LoadedConfig> loaded = store_->Load();
  ASSERT_TRUE(loaded.ok());
  const v1::Config base = loaded->config;

  // B twice: the later entry (priority 3) wins.
  v1::Config dup = base;
  v1::AccountConfig later = ApiKeyEntry("B", key_b);
  later.set_priority(3);
  *dup.add_accounts() = later;
  v1::AccountConfig keyless;  // skipped, reported once
  keyless.set_name("E");
  keyless.set_type("apikey");
  *dup.add_accounts() = keyless;
  sync_->Apply(dup);
  sync_->Apply(dup);
  EXPECT_EQ(logs_.Count("is the same account as accounts[2] (B) (same name)"), 1) << logs_.Dump();
  EXPECT_EQ(logs_.Count("accounts[3] (E) has no credential"), 1) << logs_.Dump();
  EXPECT_FALSE(Account("E").has_value());
  EXPECT_EQ(Account("B")->settings.priority, 3);

  // B deleted while it has a request in flight: disabled, kept pending.
  core::RouteState route;
  const core::RequestInfo request = testing::SmallRequest();
  ASSERT_TRUE(h().pool()
                  .UpdateAccountSettings("A", [](core::AccountSettings& s) { s.priority = 10; })
                  .ok());
  std::optional<pool::Grant> grant = h().pool().TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  ASSERT_EQ(grant->lease.account_name, "B");
  v1::Config without_b = base;
  without_b.mutable_accounts()->RemoveLast();
  sync_->Apply(without_b);
  EXPECT_FALSE(Account("B")->settings.enabled);
  EXPECT_EQ(sync_->PendingRemovals(), std::vector<std::string>{"B"});
  // A is back at priority 0 (the file's), so the settings of kept accounts follow the file.
  EXPECT_EQ(Account("A")->settings.priority, 0);

  // Back in the file before it went idle: kept and enabled again.
  sync_->Apply(base);
  EXPECT_TRUE(sync_->PendingRemovals().empty());
  EXPECT_TRUE(Account("B")->settings.enabled);
  EXPECT_TRUE(logs_.Saw("account B: back in the config file")) << logs_.Dump();
  h().pool().Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  absl::SleepFor(absl::Milliseconds(300));  // several retry periods: nothing removes it
  EXPECT_TRUE(Account("B").has_value());

  // Deleted while idle: removed at once.
  sync_->Apply(without_b);
  EXPECT_FALSE(Account("B").has_value());
  EXPECT_TRUE(logs_.Saw("account B: deleted from the config file; removed from the pool"));
}

}  // namespace
}  // namespace maxpool
