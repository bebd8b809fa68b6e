#pragma once

// The client side of the maxpool.v1 control plane for the CLI commands that talk to a running
// server (`maxpool status`, `accounts`, `drain`, `routing`): where the server is and which token
// to present (flags, else the config file's `control` section, else the environment), the gRPC
// channel with the `authorization: Bearer` metadata and deadlines, one-line error messages that
// say what to do, and the small display helpers the commands share (compact durations, account
// names, enum names). Pure functions are thread-safe; a ControlClient may be used from one thread
// at a time.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config/config_path.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "maxpool/v1/accounts.grpc.pb.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"
#include "maxpool/v1/routing.grpc.pb.h"
#include "maxpool/v1/telemetry.grpc.pb.h"

namespace maxpool::control_client {

// The connection options every control command takes.
struct ControlOptions {
  std::filesystem::path config_path;             // where control.host/port/token come from
  std::optional<std::string> server;             // --server HOST:PORT
  std::optional<std::string> token;              // --token T
  bool tls = false;                              // --tls (also implied by --ca)
  std::optional<std::filesystem::path> ca_file;  // --ca FILE: PEM roots for the server's cert
};

// Where to connect and how.
struct ControlTarget {
  std::string address;  // "host:port" as gRPC takes it ("[::1]:3457" for IPv6)
  std::string token;    // empty = send no authorization metadata
  bool tls = false;
  std::string ca_pem;  // empty = the system's roots
};

// Default address of the control plane (config.proto ControlConfig).
inline constexpr char kDefaultControlHost[] = "127.0.0.1";
inline constexpr int kDefaultControlPort = 3457;
// Environment variable with the token when neither --token nor control.token gives one.
inline constexpr char kControlTokenEnv[] = "MAXPOOL_CONTROL_TOKEN";

// Resolves the target: --server, else control.host:control.port of the config file (a wildcard
// host such as 0.0.0.0 or :: becomes the loopback address), else 127.0.0.1:3457; --token, else
// control.token, else $MAXPOOL_CONTROL_TOKEN. A missing config file means the defaults; the file
// is not read at all when --server and --token are both given. Errors (one line): a config file
// that cannot be loaded (its loader's message and how to do without it), a config that turns
// the control plane off, a --server that is not HOST:PORT, a --ca file that cannot be read.
[[nodiscard]] absl::StatusOr<ControlTarget> ResolveControlTarget(const ControlOptions& options,
                                                                 const config::EnvLookup& env);

// Checks a --server value: HOST:PORT with a port in 1..65535 ("[v6]:PORT" for IPv6). Returns the
// address as gRPC takes it, or InvalidArgument with a one-line reason.
[[nodiscard]] absl::StatusOr<std::string> ParseServerAddress(const std::string& value);

class ControlClient;
// ResolveControlTarget() then ControlClient::Connect(): what a CLI command does first. Errors are
// theirs, one line each.
[[nodiscard]] absl::StatusOr<std::unique_ptr<ControlClient>> ConnectControl(
    const ControlOptions& options, const config::EnvLookup& env);

// A connection to one control plane.
class ControlClient {
 public:
  // Deadline of unary calls.
  static constexpr absl::Duration kCallTimeout = absl::Seconds(10);
  // How long Connect waits for the channel.
  static constexpr absl::Duration kConnectTimeout = absl::Seconds(5);

  // Opens the channel and waits until it is connected: fails fast (Unavailable, with the
  // "cannot reach the control plane" line) when the connection is refused, and after `timeout`
  // when nothing answers.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ControlClient>> Connect(
      ControlTarget target, absl::Duration timeout = kConnectTimeout);

  // A context for one call: the authorization metadata, and a deadline when `timeout` is finite.
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout = kCallTimeout) const;

  v1::AccountService::Stub& accounts() { return *accounts_; }
  v1::LifecycleService::Stub& lifecycle() { return *lifecycle_; }
  v1::RoutingService::Stub& routing() { return *routing_; }
  v1::TelemetryService::Stub& telemetry() { return *telemetry_; }

  const ControlTarget& target() const { return target_; }

  // The one-line message (without the "maxpool: " prefix) for a failed call.
  std::string ErrorLine(const grpc::Status& status) const {
    return FormatRpcError(status, target_);
  }

  // The one-line message for a failed call to the control plane at `target`: UNAVAILABLE is
  // "cannot reach ..."; UNAUTHENTICATED says to pass --token or set control.token; a deadline
  // says the server did not answer; UNIMPLEMENTED suggests an older server; every other code
  // shows the server's message.
  static std::string FormatRpcError(const grpc::Status& status, const ControlTarget& target);
  // "cannot reach the control plane at ADDRESS (...)".
  static std::string UnreachableLine(const ControlTarget& target);

 private:
  ControlClient(ControlTarget target, std::shared_ptr<grpc::Channel> channel);

  ControlTarget target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
  std::unique_ptr<v1::TelemetryService::Stub> telemetry_;
};

// --- Display helpers shared by the control commands -------------------------------------------

absl::Time ToTime(const google::protobuf::Timestamp& timestamp);
absl::Duration ToDuration(const google::protobuf::Duration& duration);
void ToProto(absl::Duration duration, google::protobuf::Duration* out);

// A compact duration in its two largest units: "45s", "12m5s", "2h13m", "3d4h" (rounded to the
// nearest second, then the smaller units dropped); a zero second unit is left out ("2h", "3d").
// Below half a second "0s"; a negative duration as its magnitude.
std::string CompactDuration(absl::Duration duration);

// "resets in 2h13m" for a time after `now`, "resets now" otherwise.
std::string ResetCountdown(absl::Time reset, absl::Time now);

// Parses a command-line duration: "30s", "2m", "1h30m", "1.5h", "500ms", or a bare number of
// seconds. Error: InvalidArgument "<option> needs a duration like 30s, 2m or 1h30m" for
// anything else, a negative duration, and zero unless `allow_zero`.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& option,
                                                              const std::string& value,
                                                              bool allow_zero = false);

// "alice" for "accounts/alice"; other names unchanged.
std::string AccountId(const std::string& resource_name);
// "accounts/alice" for "alice"; a name that already starts with "accounts/" unchanged.
std::string AccountResourceName(const std::string& id);

// Lower-case names for people: "active", "needs login", ...; "oauth", "api key", "provider".
std::string StateName(v1::AccountState state);
std::string TypeName(v1::AccountType type);

// A fraction as a percentage without needless digits: 0.42 -> "42%", 0.855 -> "85.5%".
std::string Percent(double fraction);

// Left-aligned columns separated by two spaces (no trailing spaces); the first row is the
// header. Ends every row with a newline.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace maxpool::control_client
