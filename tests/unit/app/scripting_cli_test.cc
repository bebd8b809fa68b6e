// A CLI that scripts: `-o json` and `-o yaml` of `status`, `accounts`, `routing`, `sessions` and
// `config check` against a fake control plane (the proto3 JSON of the response, every page
// gathered, one document on stdout), the usage errors of -o, and `accounts` without a running
// server, which lists the config file's accounts with a note on stderr.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "boost/json/parse.hpp"
#include "credentials/redact.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.grpc.pb.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"
#include "maxpool/v1/routing.grpc.pb.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::FreePort;  // nothing listens on it

namespace json = boost::json;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::optional<std::string> NoEnv(std::string_view) { return std::nullopt; }

class FakeLifecycle final : public v1::LifecycleService::Service {
 public:
  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetStatusRequest*,
                         v1::GetStatusResponse* response) override {
    response->set_version("9.9.9");
    response->mutable_uptime()->set_seconds(75);
    response->mutable_start_time()->set_seconds(1'700'000'000);
    v1::Listener* listener = response->add_listeners();
    listener->set_kind(v1::LISTENER_KIND_DATA_PLANE);
    listener->set_address("127.0.0.1:3456");
    response->set_accounts(3);
    response->set_in_flight(2);
    response->set_config_path("/etc/maxpool/maxpool.json");
    return grpc::Status::OK;
  }
};

class FakeAccounts final : public v1::AccountService::Service {
 public:
  grpc::Status ListAccounts(grpc::ServerContext*, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override {
    auto add = [&](const std::string& id) {
      v1::Account* account = response->add_accounts();
      account->set_name(absl::StrCat("accounts/", id));
      account->set_display_name(absl::StrCat(id, "'s Max"));
      account->set_type(v1::ACCOUNT_TYPE_OAUTH);
      account->set_state(v1::ACCOUNT_STATE_ACTIVE);
      account->set_enabled(true);
      account->mutable_credential()->set_fingerprint(absl::StrCat(id, "-fp"));
    };
    if (request->page_token().empty()) {
      add("alice");
      add("bob");
      response->set_next_page_token("page-2");
    } else {
      add("carol");
    }
    response->set_total_size(3);
    return grpc::Status::OK;
  }
};

class FakeRouting final : public v1::RoutingService::Service {
 public:
  explicit FakeRouting(int sessions) : sessions_(sessions) {}
  grpc::Status GetRoutingPolicy(grpc::ServerContext*, const v1::GetRoutingPolicyRequest*,
                                v1::RoutingPolicy* response) override {
    *response = Policy();
    return grpc::Status::OK;
  }
  grpc::Status UpdateRoutingPolicy(grpc::ServerContext*,
                                   const v1::UpdateRoutingPolicyRequest* request,
                                   v1::RoutingPolicy* response) override {
    *response = Policy();
    response->set_mode(request->policy().mode());
    response->set_preferred_account(request->policy().preferred_account());
    return grpc::Status::OK;
  }
  // Two sessions a page.
  grpc::Status ListSessions(grpc::ServerContext*, const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override {
    int first = 0;
    if (!request->page_token().empty()) first = std::stoi(request->page_token());
    for (int i = first; i < sessions_ && i < first + 2; ++i) {
      v1::Session* session = response->add_sessions();
      session->set_session_id(absl::StrCat("session-", i));
      session->set_home_account(i == 1 ? "accounts/bob" : "accounts/alice");
      session->set_current_account("accounts/alice");
    }
    if (first + 2 < sessions_) response->set_next_page_token(absl::StrCat(first + 2));
    response->set_total_size(sessions_);
    return grpc::Status::OK;
  }

 private:
  static v1::RoutingPolicy Policy() {
    v1::RoutingPolicy policy;
    policy.set_name("routingPolicy");
    policy.set_mode(v1::ROUTING_MODE_AUTOMATIC);
    policy.set_switch_threshold(0.9);
    policy.set_weekly_soft_threshold(0.65);
    policy.set_weekly_reserve_threshold(0.85);
    policy.set_weekly_critical_threshold(0.95);
    return policy;
  }
  int sessions_;
};

// No TelemetryService: `status -o json` must not ask for a snapshot.
class FakeControlPlane {
 public:
  explicit FakeControlPlane(int sessions = 3) : routing_(sessions) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&lifecycle_);
    builder.RegisterService(&accounts_);
    builder.RegisterService(&routing_);
    server_ = builder.BuildAndStart();
  }
  ~FakeControlPlane() {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  FakeLifecycle lifecycle_;
  FakeAccounts accounts_;
  FakeRouting routing_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args, const config::EnvLookup& env = NoEnv) {
  std::ostringstream out, err;
  const int code = Run(args, env, out, err);
  return {code, out.str(), err.str()};
}

// Exactly one JSON document (boost::json::parse refuses anything after it).
json::object Document(const std::string& text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in\n" << text;
  EXPECT_TRUE(value.is_object()) << text;
  return value.is_object() ? value.as_object() : json::object();
}

class ScriptingTest : public ::testing::Test {
 protected:
  std::vector<std::string> Args(std::vector<std::string> args) {
    for (std::string extra : {std::string("--server"), fake_.address(), std::string("--config"),
                              (dir_.path() / "absent.json").string()}) {
      args.push_back(std::move(extra));
    }
    return args;
  }

  TempDir dir_;
  FakeControlPlane fake_;
};

TEST_F(ScriptingTest, StatusJsonIsTheGetStatusResponse) {
  const Result result = RunCli(Args({"status", "-o", "json"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.err, "");
  const json::object status = Document(result.out);
  EXPECT_EQ(status.at("version"), "9.9.9");
  EXPECT_EQ(status.at("startTime"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(status.at("uptime"), "75s");
  EXPECT_EQ(status.at("inFlight"), 2);
  EXPECT_EQ(status.at("held"), 0);  // defaults are printed
  EXPECT_EQ(status.at("draining"), false);
  EXPECT_EQ(status.at("configPath"), "/etc/maxpool/maxpool.json");
  EXPECT_EQ(status.at("listeners").at(0).at("kind"), "LISTENER_KIND_DATA_PLANE");
  EXPECT_FALSE(status.contains("drainDeadline"));  // an unset message stays absent
  EXPECT_FALSE(status.contains("in_flight"));
}

TEST_F(ScriptingTest, StatusYaml) {
  const Result result = RunCli(Args({"status", "--output=yaml"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out,
              StartsWith("version: \"9.9.9\"\nstartTime: \"2023-11-14T22:13:20Z\"\n"
                         "uptime: \"75s\"\nlisteners:\n  - kind: LISTENER_KIND_DATA_PLANE\n"));
}

TEST_F(ScriptingTest, AccountsJsonGathersEveryPage) {
  for (const char* spelling : {"-ojson", "-o=json", "--output=json"}) {
    const Result result = RunCli(Args({"accounts", spelling}));
    ASSERT_EQ(result.code, kExitOk) << result.err;
    const json::object response = Document(result.out);
    const json::array& accounts = response.at("accounts").as_array();
    ASSERT_EQ(accounts.size(), 3u);
    EXPECT_EQ(accounts[0].at("name"), "accounts/alice");
    EXPECT_EQ(accounts[0].at("displayName"), "alice's Max");
    EXPECT_EQ(accounts[0].at("state"), "ACCOUNT_STATE_ACTIVE");
    EXPECT_EQ(accounts[0].at("credential").at("fingerprint"), "alice-fp");
    EXPECT_EQ(accounts[2].at("name"), "accounts/carol");
    EXPECT_EQ(response.at("nextPageToken"), "");
    EXPECT_EQ(response.at("totalSize"), 3);
  }
}

TEST_F(ScriptingTest, RoutingJsonShowAndChange) {
  Result result = RunCli(Args({"routing", "-o", "json"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  json::object policy = Document(result.out);
  EXPECT_EQ(policy.at("name"), "routingPolicy");
  EXPECT_EQ(policy.at("mode"), "ROUTING_MODE_AUTOMATIC");
  EXPECT_EQ(policy.at("preferredAccount"), "");
  EXPECT_EQ(policy.at("switchThreshold"), 0.9);
  EXPECT_EQ(policy.at("weeklyCriticalThreshold"), 0.95);

  result = RunCli(Args({"routing", "show", "-o", "json"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(Document(result.out).at("mode"), "ROUTING_MODE_AUTOMATIC");

  result = RunCli(Args({"routing", "prefer", "bob", "-o", "json"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  policy = Document(result.out);
  EXPECT_EQ(policy.at("mode"), "ROUTING_MODE_PREFERRED");
  EXPECT_EQ(policy.at("preferredAccount"), "accounts/bob");

  result = RunCli(Args({"routing", "show", "-o", "yaml"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out,
            "name: routingPolicy\nmode: ROUTING_MODE_AUTOMATIC\npreferredAccount: \"\"\n"
            "switchThreshold: 0.9\nweeklySoftThreshold: 0.65\nweeklyReserveThreshold: 0.85\n"
            "weeklyCriticalThreshold: 0.95\n");
}

TEST_F(ScriptingTest, SessionsTableAndJson) {
  Result result = RunCli(Args({"sessions"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out,
            "SESSION    HOME   CURRENT\n"
            "session-0  alice  alice\n"
            "session-1  bob    alice\n"
            "session-2  alice  alice\n");

  result = RunCli(Args({"sessions", "-o", "json"}));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  const json::object response = Document(result.out);
  const json::array& sessions = response.at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions[1].at("sessionId"), "session-1");
  EXPECT_EQ(sessions[1].at("homeAccount"), "accounts/bob");
  EXPECT_EQ(sessions[1].at("currentAccount"), "accounts/alice");
  EXPECT_EQ(response.at("nextPageToken"), "");
  EXPECT_EQ(response.at("totalSize"), 3);
}

TEST(SessionsTest, NoSessions) {
  TempDir dir;
  FakeControlPlane fake(/*sessions=*/0);
  std::ostringstream out, err;
  const std::vector<std::string> args = {"sessions", "--server", fake.address(), "--config",
                                         (dir.path() / "absent.json").string()};
  EXPECT_EQ(app::Run(args, NoEnv, out, err), kExitOk) << err.str();
  EXPECT_EQ(out.str(), "no sessions\n");
  std::ostringstream json_out, json_err;
  std::vector<std::string> json_args = args;
  json_args.insert(json_args.end(), {"-o", "json"});
  EXPECT_EQ(app::Run(json_args, NoEnv, json_out, json_err), kExitOk) << json_err.str();
  // An empty list is [], not absent: `jq '.sessions[]'` works on an empty table.
  EXPECT_EQ(Document(json_out.str()).at("sessions"), json::array());
}

// A bad -o value is a bad command line: exit 2, one line on stderr, nothing on stdout.
TEST(OutputUsageTest, BadValuesAndPlaces) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"status", "-o", "xml"},
       "maxpool: -o needs text, json or yaml; got \"xml\" (see `maxpool status --help`)\n"},
      {{"accounts", "--output", "JSON"},
       "maxpool: --output needs text, json or yaml; got \"JSON\" (see `maxpool accounts "
       "--help`)\n"},
      {{"sessions", "-o"},
       "maxpool: -o needs text, json or yaml (see `maxpool sessions --help`)\n"},
      {{"config", "check", "--output="},
       "maxpool: --output needs text, json or yaml (see `maxpool config --help`)\n"},
      {{"drain", "-o", "json"},
       "maxpool: -o only applies to `maxpool status`, `accounts`, `routing`, `sessions` and "
       "`config check` (see `maxpool drain --help`)\n"},
      {{"config", "path", "-o", "json"},
       "maxpool: -o only applies to `maxpool status`, `accounts`, `routing`, `sessions` and "
       "`config check` (see `maxpool config --help`)\n"},
      {{"accounts", "-v", "-o", "json"},
       "maxpool: -v adds details to the table; -o json and -o yaml print every field of each "
       "account already: use one of them (see `maxpool accounts --help`)\n"},
  };
  for (const auto& [args, line] : cases) {
    const Result result = RunCli(args);
    EXPECT_EQ(result.code, kExitUsage) << args[0];
    EXPECT_EQ(result.out, "") << args[0];
    EXPECT_EQ(result.err, line);
  }
}

TEST(OutputUsageTest, EverySpellingParses) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"status", "-o", "json"},
                                             {"status", "-ojson"},
                                             {"status", "-o=json"},
                                             {"status", "--output", "json"},
                                             {"status", "--output=json"},
                                             {"-o", "json", "status"}}) {
    absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
    ASSERT_TRUE(invocation.ok()) << invocation.status();
    EXPECT_EQ(invocation->command, Invocation::Command::kStatus);
    EXPECT_EQ(invocation->output, OutputFormat::kJson);
  }
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"status"});
  ASSERT_TRUE(invocation.ok());
  EXPECT_EQ(invocation->output, OutputFormat::kText);
  // The value of -o is no command: `maxpool -o json --help` is the general help.
  invocation = ParseCommandLine({"-o", "json", "--help"});
  ASSERT_TRUE(invocation.ok());
  EXPECT_EQ(invocation->help_topic, "");
}

// --- accounts without a running server ----------------------------------------------------------

constexpr char kAliceToken[] = "sk-ant-oat01-OFFLINE-alice-access";
constexpr char kBetaKey[] = "sk-ant-api03-OFFLINE-beta-key";
constexpr char kGlmKey[] = "zk-OFFLINE-glm-key";

std::string OfflineConfig(int control_port) {
  return absl::StrCat(R"({
  "control": {"host": "127.0.0.1", "port": )",
                      control_port, R"(},
  "accounts": [
    {"name": "alice", "type": "oauth", "accessToken": ")",
                      kAliceToken, R"(", "refreshToken": "sk-ant-ort01-OFFLINE-alice-refresh",
     "expiresAt": 1795700000000, "email": "alice@example.com", "displayName": "Alice",
     "capUtilization": 0.8},
    {"name": "beta", "type": "apikey", "apiKey": ")",
                      kBetaKey, R"(", "enabled": false, "priority": 2}
  ],
  "providers": [{"name": "glm", "provider": "zai", "apiKey": ")",
                      kGlmKey, R"("}]
})");
}

void ExpectNoSecret(const Result& result) {
  for (std::string_view secret : {"OFFLINE"}) {
    EXPECT_THAT(result.out + result.err, Not(HasSubstr(std::string(secret))));
  }
}

TEST(OfflineAccountsTest, ListsTheConfigFileWithANote) {
  TempDir dir;
  const int port = FreePort();
  const auto path = dir.Write("maxpool.json", OfflineConfig(port));
  const Result result = RunCli({"accounts", "--config", path.string()});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out, absl::StrCat("NAME   TYPE      STATE  ENABLED  PRIORITY  CAP  CREDENTIAL\n"
                                     "alice  oauth     -      yes      0         80%  ",
                                     credentials::Fingerprint(kAliceToken),
                                     "\n"
                                     "beta   api key   -      no       2         -    ",
                                     credentials::Fingerprint(kBetaKey),
                                     "\n"
                                     "glm    provider  -      yes      10        -    ",
                                     credentials::Fingerprint(kGlmKey), "\n"));
  EXPECT_EQ(result.err,
            absl::StrCat("maxpool: live state unavailable: cannot reach the control plane at "
                         "127.0.0.1:",
                         port,
                         " (is `maxpool server` running? use --server HOST:PORT); these are the "
                         "accounts of ",
                         path.string(), "\n"));
  ExpectNoSecret(result);
}

TEST(OfflineAccountsTest, VerboseShowsIdentityAndExpiry) {
  TempDir dir;
  const auto path = dir.Write("maxpool.json", OfflineConfig(FreePort()));
  const Result result = RunCli({"accounts", "-v", "--config", path.string()});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("alice\n  display name:  Alice\n  email:         "
                                    "alice@example.com\n"));
  EXPECT_THAT(result.out, HasSubstr("refreshable\n  quota:         -\n  load:          -\n"));
  ExpectNoSecret(result);
}

TEST(OfflineAccountsTest, JsonIsAListAccountsResponseWithoutLiveFields) {
  TempDir dir;
  const auto path = dir.Write("maxpool.json", OfflineConfig(FreePort()));
  const Result result = RunCli({"accounts", "-o", "json", "--config", path.string()});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.err, StartsWith("maxpool: live state unavailable: "));
  const json::object response = Document(result.out);
  EXPECT_EQ(response.at("totalSize"), 3);
  const json::array& accounts = response.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 3u);
  const json::object& alice = accounts[0].as_object();
  EXPECT_EQ(alice.at("name"), "accounts/alice");
  EXPECT_EQ(alice.at("displayName"), "Alice");
  EXPECT_EQ(alice.at("type"), "ACCOUNT_TYPE_OAUTH");
  EXPECT_EQ(alice.at("provider"), "PROVIDER_ANTHROPIC");
  EXPECT_EQ(alice.at("enabled"), true);
  EXPECT_EQ(alice.at("usageCap"), 0.8);
  EXPECT_EQ(alice.at("email"), "alice@example.com");
  EXPECT_EQ(alice.at("credential").at("kind"), "CREDENTIAL_KIND_OAUTH_TOKENS");
  EXPECT_EQ(alice.at("credential").at("fingerprint"),
            json::value(credentials::Fingerprint(kAliceToken)));
  EXPECT_EQ(alice.at("credential").at("expireTime"), "2026-11-26T13:33:20Z");
  EXPECT_EQ(alice.at("credential").at("refreshable"), true);
  for (const char* live : {"state", "stateReason", "stateUntil", "inFlight"}) {
    EXPECT_FALSE(alice.contains(live)) << live;
  }
  EXPECT_FALSE(alice.at("credential").as_object().contains("refreshDead"));
  EXPECT_EQ(accounts[1].at("enabled"), false);
  EXPECT_EQ(accounts[1].at("priority"), 2);
  EXPECT_EQ(accounts[2].at("type"), "ACCOUNT_TYPE_PROVIDER");
  EXPECT_EQ(accounts[2].at("provider"), "PROVIDER_ZAI");
  ExpectNoSecret(result);
}

TEST(OfflineAccountsTest, NoConfigFileListsNothing) {
  TempDir dir;
  const auto path = dir.path() / "absent.json";
  // Not the default port 3457, where a real server may run.
  const std::string port = absl::StrCat(FreePort());
  const Result result = RunCli({"accounts", "--config", path.string()},
                               [&](std::string_view name) -> std::optional<std::string> {
                                 if (name == "MAXPOOL_CONTROL_PORT") return port;
                                 return std::nullopt;
                               });
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out, "no accounts\n");
  EXPECT_THAT(result.err, HasSubstr(absl::StrCat("there is no config file at ", path.string())));
}

// A server named with --server stands for itself, not for this machine's config file.
TEST(OfflineAccountsTest, AnUnreachableServerGivenWithServerIsAnError) {
  TempDir dir;
  const auto path = dir.Write("maxpool.json", OfflineConfig(FreePort()));
  const int port = FreePort();
  const Result result =
      RunCli({"accounts", "--server", absl::StrCat("127.0.0.1:", port), "--config", path.string()});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, absl::StrCat("maxpool: cannot reach the control plane at 127.0.0.1:", port,
                                     " (is `maxpool server` running? use --server HOST:PORT)\n"));
}

// --- config check -o json ------------------------------------------------------------------------

TEST(ConfigCheckJsonTest, ValidFile) {
  TempDir dir;
  const auto path = dir.Write(
      "maxpool.json", R"({"accounts": [{"name": "a", "type": "apikey", "apiKey": "sk-ant-api03-x"}],
                          "scheduler": {"experimentalKnob": 1}})");
  const Result result = RunCli({"config", "check", "-o", "json", "--config", path.string()});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.err, "");
  const json::object document = Document(result.out);
  EXPECT_EQ(document.at("path"), json::value(path.string()));
  EXPECT_EQ(document.at("valid"), true);
  EXPECT_FALSE(document.contains("error"));
  EXPECT_EQ(document.at("fieldViolations"), json::array());
  EXPECT_EQ(document.at("accounts"), 1);
  EXPECT_EQ(document.at("providers"), 0);
  ASSERT_EQ(document.at("warnings").as_array().size(), 1u);
  EXPECT_THAT(std::string(document.at("warnings").at(0).as_string()),
              StartsWith("scheduler.experimentalKnob: unknown key"));
}

TEST(ConfigCheckJsonTest, InvalidFileNamesTheFieldAndKeepsExitTwo) {
  TempDir dir;
  const auto path = dir.Write("maxpool.json", R"({"scheduler": {"cooldownMs": "30s"}})");
  const Result result = RunCli({"config", "check", "-o", "json", "--config", path.string()});
  EXPECT_EQ(result.code, kExitUsage);
  const std::string line =
      absl::StrCat(path.string(), ": scheduler.cooldownMs: expected a number, got a string");
  EXPECT_EQ(result.err, absl::StrCat("maxpool: ", line, "\n"));
  const json::object document = Document(result.out);
  EXPECT_EQ(document.at("valid"), false);
  EXPECT_EQ(document.at("error"), json::value(line));
  EXPECT_EQ(document.at("fieldViolations"), json::parse(R"([{"field": "scheduler.cooldownMs",
                             "description": "expected a number, got a string"}])"));
  EXPECT_EQ(document.at("warnings"), json::array());
  EXPECT_FALSE(document.contains("accounts"));
}

TEST(ConfigCheckJsonTest, NotJsonAndMissingHaveNoFieldViolation) {
  TempDir dir;
  const auto broken = dir.Write("broken.json", "{\n  \"proxy\": {\"port\": 1,}\n}\n");
  Result result = RunCli({"config", "check", "-o", "yaml", "--config", broken.string()});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_THAT(result.out, HasSubstr("valid: false\n"));
  EXPECT_THAT(result.out, HasSubstr("fieldViolations: []\n"));

  const auto missing = dir.path() / "missing.json";
  result = RunCli({"config", "check", "-o", "json", "--config", missing.string()});
  EXPECT_EQ(result.code, kExitUsage);
  const json::object document = Document(result.out);
  EXPECT_EQ(document.at("error"), json::value(absl::StrCat(missing.string(), ": no such file")));
  EXPECT_EQ(document.at("fieldViolations"), json::array());
}

TEST(ConfigCheckJsonTest, ALogDirThatIsAFile) {
  TempDir dir;
  const auto file = dir.Write("requests", "not a directory");
  const auto path =
      dir.Write("maxpool.json", absl::StrCat(R"({"logDir": ")", file.string(), R"("})"));
  const Result result = RunCli({"config", "check", "-o", "json", "--config", path.string()});
  EXPECT_EQ(result.code, kExitUsage);
  const json::object document = Document(result.out);
  EXPECT_EQ(document.at("fieldViolations").at(0).at("field"), "logDir");
  EXPECT_EQ(document.at("error"), json::value(absl::StrCat(path.string(), ": logDir ",
                                                           file.string(), ": is not a directory")));
}

}  // namespace
}  // namespace maxpool::app
