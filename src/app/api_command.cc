#include "app/api_command.h"

#include <chrono>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "app/option_help.h"
#include "boost/json/parse.hpp"
#include "config/account_diff.h"
#include "control_client/control_client.h"
#include "core/absl_view.h"
#include "core/one_line.h"
#include "net/tls_client_context.h"

namespace maxpool::app {
namespace {

constexpr char kOAuthBeta[] = "oauth-2025-04-20";
constexpr char kDefaultUpstream[] = "https://api.anthropic.com";

net::HttpMethod MethodOf(const ApiArgs& args) {
  const std::string name = absl::AsciiStrToUpper(args.method.value_or(args.data ? "POST" : "GET"));
  if (name == "POST") return net::HttpMethod::kPost;
  if (name == "PUT") return net::HttpMethod::kPut;
  if (name == "PATCH") return net::HttpMethod::kPatch;
  if (name == "DELETE") return net::HttpMethod::kDelete;
  return net::HttpMethod::kGet;
}

}  // namespace

std::string ApiUsageText() {
  return R"(usage: maxpool api PATH [--account NAME|N] [--method M] [--data JSON] [--config PATH]

A debug helper: calls <upstream>PATH (the account's upstream, else the config's, else
https://api.anthropic.com) directly with one account's credential from the config file, as the
proxy sends it: OAuth accounts with Authorization: Bearer and anthropic-beta: oauth-2025-04-20,
API keys with x-api-key; always anthropic-version: 2023-06-01. It does not go through a running
server and never refreshes a token.

Prints the status and the response headers on stderr and the body on stdout; never prints the
credential. Exits 0 on a 2xx answer, else 1.

  maxpool api /v1/models
  maxpool api /api/oauth/usage --account work
  maxpool api /v1/messages/count_tokens --account 2 \
      --data '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}'
)" + OptionsHelp("api");
}

absl::Status CheckApiArgs(const ApiArgs& args) {
  if (!absl::StartsWith(args.path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the path must start with /, like /v1/models; got \"", core::OneLine(args.path), "\""));
  }
  if (args.method.has_value()) {
    const std::string name = absl::AsciiStrToUpper(*args.method);
    if (name != "GET" && name != "POST" && name != "PUT" && name != "PATCH" && name != "DELETE") {
      return absl::InvalidArgumentError(
          absl::StrCat("--method needs GET, POST, PUT, PATCH or DELETE; got \"",
                       core::OneLine(*args.method), "\""));
    }
  }
  if (args.data.has_value()) {
    boost::system::error_code ec;
    (void)boost::json::parse(*args.data, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat("--data is not valid JSON (", ec.message(),
                                                     "); quote it for the shell: "
                                                     "--data '{\"key\":\"value\"}'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ApiRequest> BuildApiRequest(const v1::Config& config, const ApiArgs& args) {
  if (config.accounts_size() == 0) {
    return absl::NotFoundError(
        "the config has no accounts; add one with `maxpool login` or `maxpool login --api`");
  }
  int index = 0;
  if (args.account.has_value()) {
    const std::optional<int> found = FindAccountEntry(config, *args.account);
    if (!found.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("no account \"", core::OneLine(*args.account),
                       "\" in the config; its accounts are: ", AccountNameList(config)));
    }
    index = *found;
  }
  const v1::AccountConfig& account = config.accounts(index);
  ApiRequest request;
  request.account_name = account.name();
  request.account_type = account.type();
  const std::string& type = account.type();
  std::string credential;
  bool bearer = true;
  std::string_view field;
  if (type == "oauth") {
    credential = account.access_token();
    field = "accessToken";
    request.expires_at_ms = config::NormalizeExpiryMs(account.expires_at());
  } else if (type == "provider") {
    credential = account.auth_token().empty() ? account.api_key() : account.auth_token();
    field = "authToken";
  } else {
    credential = account.api_key();
    field = "apiKey";
    bearer = account.auth_header() == "authorization";
  }
  if (credential.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("account \"", core::OneLine(account.name()),
                                                      "\" has no ", core::AbslView(field),
                                                      "; add it again with `maxpool login`"));
  }
  std::string base = !account.upstream().empty()  ? account.upstream()
                     : !config.upstream().empty() ? config.upstream()
                                                  : std::string(kDefaultUpstream);
  while (absl::EndsWith(base, "/")) base.pop_back();

  net::HttpCall& call = request.call;
  call.method = MethodOf(args);
  call.url = absl::StrCat(base, args.path);
  call.body = args.data.value_or("");
  call.headers.push_back({"anthropic-version", kAnthropicVersion});
  if (bearer) {
    call.headers.push_back({"Authorization", absl::StrCat("Bearer ", credential)});
  } else {
    call.headers.push_back({"x-api-key", credential});
  }
  if (type == "oauth") call.headers.push_back({"anthropic-beta", kOAuthBeta});
  call.headers.push_back({"User-Agent", absl::StrCat("maxpool/", MAXPOOL_VERSION, " (api)")});
  call.timeout = std::chrono::minutes(10);
  call.max_response_body = size_t{64} << 20;
  return request;
}

int RunApi(const ApiArgs& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::Config> config = LoadLocalConfig(args.config_path, /*missing_ok=*/false);
  if (!config.ok()) {
    err << "maxpool: " << config.status().message() << "\n";
    return kExitFailure;
  }
  absl::StatusOr<ApiRequest> request = BuildApiRequest(*config, args);
  if (!request.ok()) {
    err << "maxpool: " << request.status().message() << "\n";
    return kExitFailure;
  }
  if (request->expires_at_ms > 0) {
    const absl::Time expiry = absl::FromUnixMillis(request->expires_at_ms);
    const absl::Time now = absl::Now();
    if (expiry <= now) {
      err << "maxpool: warning: the access token of \"" << core::OneLine(request->account_name)
          << "\" expired " << control_client::CompactDuration(now - expiry)
          << " ago and is sent as it is (a running server refreshes it; `maxpool login` signs in "
             "again)\n";
    }
  }
  absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> tls = net::MakeTlsClientContext("");
  if (!tls.ok()) {
    err << "maxpool: " << core::OneLine(tls.status()) << "\n";
    return kExitFailure;
  }
  err << net::HttpMethodName(request->call.method) << " " << core::OneLine(request->call.url)
      << " as \"" << core::OneLine(request->account_name) << "\" (" << request->account_type
      << ")\n";
  const net::HttpOutcome outcome = net::SendJsonBlocking(**tls, std::move(request->call));
  if (!outcome.ok()) {
    err << "maxpool: " << core::OneLine(outcome.message) << "\n";
    return kExitFailure;
  }
  const net::HttpResponse& response = *outcome.response;
  err << "HTTP " << response.status << "\n";
  for (const net::HttpHeader& header : response.headers) {
    err << core::OneLine(header.name) << ": " << core::OneLine(header.value) << "\n";
  }
  out << response.body;
  if (!response.body.empty() && response.body.back() != '\n') out << "\n";
  return response.status >= 200 && response.status < 300 ? kExitOk : kExitFailure;
}

}  // namespace maxpool::app
