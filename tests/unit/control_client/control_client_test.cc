// The control-plane client on its own: where the server and token come from (flags, the config
// file, the environment), the --server and --ca checks, the one-line messages of failed calls, and
// command-line durations.

#include "control_client/control_client.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::control_client {
namespace {

using ::maxpool::testing::EnvFrom;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;

TEST(ResolveControlTargetTest, DefaultsWithoutAConfigFile) {
  TempDir dir;
  ControlOptions options;
  options.config_path = dir.path() / "absent.json";
  absl::StatusOr<ControlTarget> target = ResolveControlTarget(options, EnvFrom());
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->address, "127.0.0.1:3457");
  EXPECT_EQ(target->token, "");
  EXPECT_FALSE(target->tls);

  target = ResolveControlTarget(options, EnvFrom({{"MAXPOOL_CONTROL_TOKEN", "from-env"}}));
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->token, "from-env");
}

TEST(ResolveControlTargetTest, ConfigFileThenFlags) {
  TempDir dir;
  ControlOptions options;
  options.config_path = dir.Write(
      "maxpool.json", R"({"control": {"host": "0.0.0.0", "port": 4000, "token": "t0k3n-cfg"}})");
  absl::StatusOr<ControlTarget> target =
      ResolveControlTarget(options, EnvFrom({{"MAXPOOL_CONTROL_TOKEN", "from-env"}}));
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->address, "127.0.0.1:4000");
  EXPECT_EQ(target->token, "t0k3n-cfg");

  options.server = "10.1.2.3:5000";
  options.token = "from-flag";
  target = ResolveControlTarget(options, EnvFrom());
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->address, "10.1.2.3:5000");
  EXPECT_EQ(target->token, "from-flag");

  options.config_path = dir.Write("v6.json", R"({"control": {"host": "::", "token": "t"}})");
  options.server.reset();
  target = ResolveControlTarget(options, EnvFrom());
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->address, "[::1]:3457");
}

TEST(ResolveControlTargetTest, BrokenOrDisabledConfig) {
  TempDir dir;
  ControlOptions options;
  options.config_path = dir.Write("broken.json", "{");
  absl::StatusOr<ControlTarget> target = ResolveControlTarget(options, EnvFrom());
  ASSERT_FALSE(target.ok());
  EXPECT_THAT(std::string(target.status().message()),
              HasSubstr("(fix the config file, or pass --server HOST:PORT and --token T)"));
  // Both flags: the file is not read.
  options.server = "127.0.0.1:1";
  options.token = "t";
  EXPECT_TRUE(ResolveControlTarget(options, EnvFrom()).ok());

  options = ControlOptions();
  options.config_path = dir.Write("off.json", R"({"control": {"enabled": false}})");
  target = ResolveControlTarget(options, EnvFrom());
  ASSERT_FALSE(target.ok());
  EXPECT_THAT(std::string(target.status().message()),
              HasSubstr("control.enabled is false, so the server has no control plane"));
}

TEST(ResolveControlTargetTest, CaFileImpliesTls) {
  TempDir dir;
  ControlOptions options;
  options.server = "127.0.0.1:3457";
  options.token = "t";
  options.ca_file = dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  absl::StatusOr<ControlTarget> target = ResolveControlTarget(options, EnvFrom());
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_TRUE(target->tls);
  EXPECT_EQ(target->ca_pem, "-----BEGIN CERTIFICATE-----\n");

  options.ca_file = dir.path() / "absent.pem";
  target = ResolveControlTarget(options, EnvFrom());
  ASSERT_FALSE(target.ok());
  EXPECT_THAT(std::string(target.status().message()), HasSubstr("cannot read --ca "));
}

TEST(FormatRpcErrorTest, OneLineThatSaysWhatToDo) {
  ControlTarget target;
  target.address = "127.0.0.1:3457";
  EXPECT_EQ(ControlClient::FormatRpcError(
                grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect"), target),
            "cannot reach the control plane at 127.0.0.1:3457 (is `maxpool server` running? use "
            "--server HOST:PORT)");
  EXPECT_EQ(ControlClient::FormatRpcError(
                grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), target),
            "the control plane at 127.0.0.1:3457 did not answer in time; try again");
  EXPECT_EQ(ControlClient::FormatRpcError(
                grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                             "the read-only control token cannot change anything; use "
                             "control.token"),
                target),
            "the read-only control token cannot change anything; use control.token");
  EXPECT_EQ(
      ControlClient::FormatRpcError(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "deadline: bad\nsecond line"), target),
      "deadline: bad second line");
  EXPECT_EQ(ControlClient::FormatRpcError(grpc::Status(grpc::StatusCode::INTERNAL, ""), target),
            "the control plane at 127.0.0.1:3457 answered INTERNAL");
  EXPECT_THAT(
      ControlClient::FormatRpcError(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), target),
      HasSubstr("is it an older maxpool?"));
  target.tls = true;
  EXPECT_EQ(ControlClient::UnreachableLine(target),
            "cannot reach the control plane at 127.0.0.1:3457 over TLS (is `maxpool server` "
            "running with control.tls? check --server and --ca)");
}

TEST(ParseDurationArgTest, Forms) {
  EXPECT_EQ(*ParseDurationArg("--deadline", "30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDurationArg("--deadline", "2m"), absl::Minutes(2));
  EXPECT_EQ(*ParseDurationArg("--deadline", "1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationArg("--deadline", "1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationArg("--deadline", "90"), absl::Seconds(90));
  EXPECT_FALSE(ParseDurationArg("--deadline", "").ok());
  EXPECT_FALSE(ParseDurationArg("--deadline", "0").ok());
  EXPECT_EQ(*ParseDurationArg("--accept-grace", "0", /*allow_zero=*/true), absl::ZeroDuration());
  EXPECT_FALSE(ParseDurationArg("--deadline", "inf").ok());
  EXPECT_FALSE(ParseDurationArg("--deadline", "30 s").ok());
}

}  // namespace
}  // namespace maxpool::control_client
