#include "app/probe_command.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "core/absl_view.h"
#include "core/one_line.h"
#include "credentials/redact.h"
#include "net/http_client.h"
#include "net/tls_client_context.h"

namespace maxpool::app {
namespace {

constexpr int kDefaultAdminPort = 3458;
// How much of a non-200 answer's body the error line quotes.
constexpr size_t kQuotedBodyChars = 80;

// The start of `body`, on one line, secrets masked.
std::string BodyExcerpt(std::string_view body) {
  std::string text = core::OneLine(core::StdView(absl::StripAsciiWhitespace(core::AbslView(body))));
  if (text.size() > kQuotedBodyChars) text = absl::StrCat(text.substr(0, kQuotedBodyChars), "…");
  return credentials::Redact(text);
}

}  // namespace

std::string ProbeUsageText() {
  return R"(usage: maxpool probe [URL]

A health check for containers (a HEALTHCHECK; the image has no curl): GET URL and exit 0 when it
answers 200 within 2 seconds, else exit 1 with one line saying why. URL defaults to the admin
listener's liveness endpoint, http://HOST:PORT/livez, with HOST from $MAXPOOL_ADMIN_HOST
(127.0.0.1 when unset or a wildcard such as 0.0.0.0) and PORT from $MAXPOOL_ADMIN_PORT (default
3458). Plain http:// only to a loopback address; https:// is verified against the system CAs.

  maxpool probe
  maxpool probe http://127.0.0.1:3458/readyz
)";
}

absl::Status CheckProbeUrl(const std::string& url) {
  const std::string lower = absl::AsciiStrToLower(url);
  if (!absl::StartsWith(lower, "http://") && !absl::StartsWith(lower, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "probe needs an http:// or https:// URL, like http://127.0.0.1:3458/livez; got \"",
        core::OneLine(url), "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DefaultProbeUrl(const config::EnvLookup& env) {
  std::string host = env("MAXPOOL_ADMIN_HOST").value_or("");
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "*") host = "127.0.0.1";
  if (host.find(':') != std::string::npos && !absl::StartsWith(host, "[")) {
    host = absl::StrCat("[", host, "]");
  }
  int port = kDefaultAdminPort;
  if (std::optional<std::string> text = env("MAXPOOL_ADMIN_PORT"); text && !text->empty()) {
    if (!absl::SimpleAtoi(*text, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MAXPOOL_ADMIN_PORT must be a port from 1 to 65535; got \"", core::OneLine(*text), "\""));
    }
  }
  return absl::StrCat("http://", host, ":", port, "/livez");
}

int RunProbe(const ProbeArgs& args, const config::EnvLookup& env, std::ostream& out,
             std::ostream& err) {
  std::string url;
  if (args.url.has_value()) {
    url = *args.url;
  } else {
    absl::StatusOr<std::string> default_url = DefaultProbeUrl(env);
    if (!default_url.ok()) {
      err << "maxpool: probe: " << core::OneLine(default_url.status()) << "\n";
      return kExitFailure;
    }
    url = *std::move(default_url);
  }
  absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> tls = net::MakeTlsClientContext("");
  if (!tls.ok()) {
    err << "maxpool: probe: " << core::OneLine(tls.status()) << "\n";
    return kExitFailure;
  }
  net::HttpCall call;
  call.method = net::HttpMethod::kGet;
  call.url = url;
  call.headers = {{"User-Agent", "maxpool-probe"}, {"Accept", "*/*"}};
  call.timeout = args.timeout;
  call.connect_timeout = args.timeout;
  const net::HttpOutcome outcome = net::SendJsonBlocking(**tls, std::move(call));
  if (!outcome.ok()) {
    err << "maxpool: probe failed: " << core::OneLine(outcome.message) << "\n";
    return kExitFailure;
  }
  const int status = outcome.response->status;
  if (status != 200) {
    err << "maxpool: probe " << core::OneLine(credentials::Redact(url)) << " answered " << status;
    if (const std::string body = BodyExcerpt(outcome.response->body); !body.empty()) {
      err << " (" << body << ")";
    }
    err << "\n";
    return kExitFailure;
  }
  out << "maxpool probe: 200 from " << core::OneLine(credentials::Redact(url)) << "\n";
  return kExitOk;
}

}  // namespace maxpool::app
