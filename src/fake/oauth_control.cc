#include "fake/oauth_control.h"

#include <string>
#include <utility>
#include <vector>

#include "boost/json/array.hpp"
#include "boost/json/parse.hpp"
#include "fake/control_api.h"
#include "fake/oauth_faults.h"
#include "fake/oauth_spec.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

namespace http = boost::beast::http;

// A string field of a control body; "" when absent or not a string.
std::string StringField(const boost::json::object& body, std::string_view name) {
  const boost::json::value* v =
      body.if_contains(boost::json::string_view(name.data(), name.size()));
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string().data(), v->get_string().size());
}

struct AccountUpdate {
  std::string credential;
  OAuthAccountSpec spec;
};

absl::StatusOr<AccountUpdate> ParseAccountUpdate(const boost::json::value& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("expected an object");
  AccountUpdate update;
  for (const auto& [key_view, value] : json.get_object()) {
    const std::string_view key(key_view.data(), key_view.size());
    if (key == "credential") {
      if (!value.is_string())
        return absl::InvalidArgumentError("\"credential\": expected a string");
      update.credential = std::string(value.get_string().data(), value.get_string().size());
      continue;
    }
    std::optional<absl::Status> parsed = ParseOAuthSpecField(key, value, update.spec);
    if (!parsed)
      return absl::InvalidArgumentError(Cat("account field \"", key, "\": unknown field"));
    if (!parsed->ok()) return *parsed;
  }
  if (update.credential.empty()) return absl::InvalidArgumentError("\"credential\" is required");
  return update;
}

Plan Accounts(FakeState& state, const boost::json::value& body) {
  std::vector<AccountUpdate> updates;
  const boost::json::array single{body};
  for (const boost::json::value& entry : body.is_array() ? body.get_array() : single) {
    absl::StatusOr<AccountUpdate> update = ParseAccountUpdate(entry);
    if (!update.ok()) return ControlStatus(update.status());
    updates.push_back(*std::move(update));
  }
  for (const AccountUpdate& update : updates) {
    if (absl::Status s = state.UpdateOAuth(update.credential, update.spec); !s.ok()) {
      return ControlStatus(s);
    }
  }
  return ControlJson(200, {{"ok", true}, {"accounts", updates.size()}});
}

}  // namespace

Plan HandleOAuthControl(FakeState& state, const HttpRequest& request, std::string_view path) {
  const http::verb method = request.method();
  if (path == "/_fake/oauth") {
    if (method != http::verb::get) return ControlError(405, "use GET");
    return ControlJson(200, state.OAuthJson());
  }
  const bool known = path == "/_fake/oauth/accounts" || path == "/_fake/oauth/codes" ||
                     path == "/_fake/oauth/script" || path == "/_fake/oauth/default" ||
                     path == "/_fake/oauth/expire";
  if (!known) return ControlError(404, "unknown control path");
  if (method != http::verb::post) return ControlError(405, "use POST");
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(request.body(), ec);
  if (ec) return ControlError(400, "body is not valid JSON");
  if (path == "/_fake/oauth/accounts") return Accounts(state, body);
  if (!body.is_object()) return ControlError(400, "body must be a JSON object");
  const boost::json::object& obj = body.get_object();

  if (path == "/_fake/oauth/script") {
    const boost::json::value* faults = obj.if_contains("faults");
    if (faults == nullptr) return ControlError(400, "\"faults\" is required");
    absl::StatusOr<std::vector<TokenFault>> parsed = ParseTokenFaults(*faults);
    if (!parsed.ok()) return ControlStatus(parsed.status());
    const boost::json::value* replace = obj.if_contains("replace");
    const bool replace_all = replace != nullptr && replace->is_bool() && replace->get_bool();
    state.ScriptTokenFaults(*std::move(parsed),
                            replace_all ? ScriptMode::kReplace : ScriptMode::kAppend);
    return ControlStatus(absl::OkStatus());
  }
  if (path == "/_fake/oauth/default") {
    const boost::json::value* fault = obj.if_contains("fault");
    if (fault == nullptr) return ControlError(400, "\"fault\" is required");
    absl::StatusOr<TokenFault> parsed = ParseTokenFault(*fault);
    if (!parsed.ok()) return ControlStatus(parsed.status());
    state.SetDefaultTokenFault(*std::move(parsed));
    return ControlStatus(absl::OkStatus());
  }
  const std::string credential = StringField(obj, "credential");
  if (credential.empty()) return ControlError(400, "\"credential\" is required");
  if (path == "/_fake/oauth/expire") return ControlStatus(state.ExpireAccessTokens(credential));
  absl::StatusOr<std::string> code =
      state.MintAuthCode(credential, StringField(obj, "code_challenge"), StringField(obj, "state"),
                         StringField(obj, "redirect_uri"));
  if (!code.ok()) return ControlStatus(code.status());
  return ControlJson(200, {{"code", *code}});
}

}  // namespace maxpool::fake
