#include "control_client/control_client.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "config/config_loader.h"
#include "config/config_sources.h"
#include "core/absl_view.h"
#include "core/one_line.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace maxpool::control_client {
namespace {

// The address to dial for a host the server binds: wildcards become loopback, IPv6 gets
// brackets.
std::string DialAddress(std::string host, int port) {
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (absl::StrContains(host, ":")) host = absl::StrCat("[", host, "]");
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read --ca ", path.string(), ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::string> ParseServerAddress(const std::string& value) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server needs HOST:PORT, e.g. 127.0.0.1:3457; got \"", value, "\""));
  }
  std::string host = value.substr(0, colon);
  int port = 0;
  if (!absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: the port must be a number from 1 to 65535; got \"", value, "\""));
  }
  const bool bracketed = absl::StartsWith(host, "[") && absl::EndsWith(host, "]");
  if (!bracketed && absl::StrContains(host, ":")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--server: write an IPv6 address in brackets, e.g. [::1]:3457; got \"", value, "\""));
  }
  if (bracketed && host.size() == 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server needs HOST:PORT, e.g. 127.0.0.1:3457; got \"", value, "\""));
  }
  return DialAddress(std::move(host), port);
}

absl::StatusOr<ControlTarget> ResolveControlTarget(const ControlOptions& options,
                                                   const config::EnvLookup& env) {
  std::optional<v1::ControlConfig> control;
  if (!options.server.has_value() || !options.token.has_value()) {
    // As the server reads it: the file, the environment's settings and secret files.
    absl::StatusOr<config::ConfigSources> sources =
        config::ResolveConfigSources(options.config_path, env);
    absl::StatusOr<config::LoadedConfig> loaded =
        sources.ok() ? config::LoadLayered(*sources)
                     : absl::StatusOr<config::LoadedConfig>(sources.status());
    if (loaded.ok()) {
      control = loaded->config.control();
    } else if (!absl::IsNotFound(loaded.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          core::OneLine(core::StdView(loaded.status().message()), core::LineBreaks::kSpaces),
          " (fix the config file, or pass --server HOST:PORT and --token T)"));
    }
  }
  ControlTarget target;
  if (options.server.has_value()) {
    absl::StatusOr<std::string> address = ParseServerAddress(*options.server);
    if (!address.ok()) return address.status();
    target.address = *std::move(address);
  } else {
    if (control.has_value() && control->has_enabled() && !control->enabled()) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.config_path.string(),
          ": control.enabled is false, so the server has no control plane; set it to true and "
          "restart the server, or use --server HOST:PORT for another server"));
    }
    const std::string host =
        control.has_value() && control->has_host() ? control->host() : kDefaultControlHost;
    const int port =
        control.has_value() && control->has_port() ? control->port() : kDefaultControlPort;
    target.address = DialAddress(host, port);
  }
  if (options.token.has_value()) {
    target.token = *options.token;
  } else if (control.has_value() && !control->token().empty()) {
    target.token = control->token();
  } else if (std::optional<std::string> from_env = env(kControlTokenEnv); from_env.has_value()) {
    target.token = *from_env;
  }
  target.tls = options.tls || options.ca_file.has_value();
  if (options.ca_file.has_value()) {
    absl::StatusOr<std::string> pem = ReadFile(*options.ca_file);
    if (!pem.ok()) return pem.status();
    target.ca_pem = *std::move(pem);
  }
  return target;
}

ControlClient::ControlClient(ControlTarget target, std::shared_ptr<grpc::Channel> channel)
    : target_(std::move(target)),
      channel_(std::move(channel)),
      accounts_(v1::AccountService::NewStub(channel_)),
      lifecycle_(v1::LifecycleService::NewStub(channel_)),
      routing_(v1::RoutingService::NewStub(channel_)),
      telemetry_(v1::TelemetryService::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<ControlClient>> ControlClient::Connect(ControlTarget target,
                                                                      absl::Duration timeout) {
  grpc::ChannelArguments args;
  // The control plane is reached directly; an http_proxy meant for the web must not apply.
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  // `drain --wait` polls for the server to go away: reconnect attempts stay frequent.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (target.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = target.ca_pem;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(target.address, credentials, args);
  const absl::Time deadline = absl::Now() + timeout;
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    // TRANSIENT_FAILURE: the connection (or the TLS handshake) was refused; waiting for the
    // next attempt would only make the answer slower.
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN ||
        !channel->WaitForStateChange(state, absl::ToChronoTime(deadline))) {
      return absl::UnavailableError(UnreachableLine(target));
    }
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return std::unique_ptr<ControlClient>(new ControlClient(std::move(target), std::move(channel)));
}

std::unique_ptr<grpc::ClientContext> ControlClient::NewContext(absl::Duration timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!target_.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", target_.token));
  }
  if (timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  return context;
}

std::string ControlClient::UnreachableLine(const ControlTarget& target) {
  if (target.tls) {
    return absl::StrCat("cannot reach the control plane at ", target.address,
                        " over TLS (is `maxpool server` running with control.tls? check --server "
                        "and --ca)");
  }
  return absl::StrCat("cannot reach the control plane at ", target.address,
                      " (is `maxpool server` running? use --server HOST:PORT)");
}

std::string ControlClient::FormatRpcError(const grpc::Status& status, const ControlTarget& target) {
  const std::string message = core::OneLine(status.error_message(), core::LineBreaks::kSpaces);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return UnreachableLine(target);
    case grpc::StatusCode::UNAUTHENTICATED:
      if (target.token.empty()) {
        return absl::StrCat("the control plane at ", target.address,
                            " needs a token: pass --token, or set control.token in the config "
                            "file (or $",
                            kControlTokenEnv, ")");
      }
      return absl::StrCat("the control plane at ", target.address, " refused the token (", message,
                          "): pass the server's control token with --token or set control.token");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat("the control plane at ", target.address,
                          " did not answer in time; try again");
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat("the server at ", target.address,
                          " does not offer this call (is it an older maxpool?)",
                          message.empty() ? "" : ": ", message);
    default:
      break;
  }
  if (message.empty()) {
    return absl::StrCat(
        "the control plane at ", target.address, " answered ",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
  }
  return message;
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

absl::Duration ToDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

void ToProto(absl::Duration duration, google::protobuf::Duration* out) {
  const int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1), &duration);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration)));
}

std::string CompactDuration(absl::Duration duration) {
  if (duration < absl::ZeroDuration()) duration = -duration;
  if (duration == absl::InfiniteDuration()) return "forever";
  // To the nearest second first: a deadline of 10s read a moment later is still "10s".
  const int64_t seconds = absl::ToInt64Seconds(duration + absl::Milliseconds(500));
  struct Unit {
    int64_t size;
    const char* suffix;
  };
  constexpr Unit kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (size_t i = 0; i < std::size(kUnits); ++i) {
    if (seconds < kUnits[i].size) continue;
    const int64_t major = seconds / kUnits[i].size;
    std::string out = absl::StrCat(major, kUnits[i].suffix);
    if (i + 1 < std::size(kUnits)) {
      const int64_t minor = seconds % kUnits[i].size / kUnits[i + 1].size;
      if (minor > 0) absl::StrAppend(&out, minor, kUnits[i + 1].suffix);
    }
    return out;
  }
  return "0s";
}

std::string ResetCountdown(absl::Time reset, absl::Time now) {
  if (reset <= now) return "resets now";
  return absl::StrCat("resets in ", CompactDuration(reset - now));
}

absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& option, const std::string& value,
                                                bool allow_zero) {
  absl::Duration duration;
  double seconds = 0;
  bool ok = false;
  if (value.empty()) {
    ok = false;
  } else if (absl::SimpleAtod(value, &seconds) && std::isfinite(seconds) &&
             absl::ascii_isdigit(static_cast<unsigned char>(value.back()))) {
    duration = absl::Seconds(seconds);
    ok = true;
  } else {
    ok = absl::ParseDuration(value, &duration);
  }
  if (!ok || duration < absl::ZeroDuration() || (duration == absl::ZeroDuration() && !allow_zero) ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, " needs a duration like 30s, 2m or 1h30m; got \"",
                     core::OneLine(value, core::LineBreaks::kSpaces), "\""));
  }
  return duration;
}

std::string AccountId(const std::string& resource_name) {
  absl::string_view id = resource_name;
  absl::ConsumePrefix(&id, "accounts/");
  return std::string(id);
}

std::string AccountResourceName(const std::string& id) {
  if (absl::StartsWith(id, "accounts/")) return id;
  return absl::StrCat("accounts/", id);
}

std::string StateName(v1::AccountState state) {
  switch (state) {
    case v1::ACCOUNT_STATE_ACTIVE:
      return "active";
    case v1::ACCOUNT_STATE_THROTTLED:
      return "throttled";
    case v1::ACCOUNT_STATE_COOLING:
      return "cooling";
    case v1::ACCOUNT_STATE_EXHAUSTED:
      return "exhausted";
    case v1::ACCOUNT_STATE_NEEDS_LOGIN:
      return "needs login";
    case v1::ACCOUNT_STATE_BANNED:
      return "banned";
    case v1::ACCOUNT_STATE_DISABLED:
      return "disabled";
    default:
      return "unknown";
  }
}

std::string TypeName(v1::AccountType type) {
  switch (type) {
    case v1::ACCOUNT_TYPE_OAUTH:
      return "oauth";
    case v1::ACCOUNT_TYPE_API_KEY:
      return "api key";
    case v1::ACCOUNT_TYPE_PROVIDER:
      return "provider";
    default:
      return "unknown";
  }
}

std::string Percent(double fraction) {
  if (!std::isfinite(fraction)) return "?";
  std::string text = absl::StrFormat("%.1f", fraction * 100);
  if (absl::EndsWith(text, ".0")) text.resize(text.size() - 2);
  if (text == "-0") text = "0";
  return absl::StrCat(text, "%");
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const std::vector<std::string>& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const std::vector<std::string>& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ControlClient>> ConnectControl(const ControlOptions& options,
                                                              const config::EnvLookup& env) {
  absl::StatusOr<ControlTarget> target = ResolveControlTarget(options, env);
  if (!target.ok()) return target.status();
  return ControlClient::Connect(*std::move(target));
}

}  // namespace maxpool::control_client
