#include "tui/tui_actions.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace maxpool::tui {
namespace {

using control_client::AccountId;
using control_client::AccountResourceName;

// The call's error as a Status with the control client's one-line message.
absl::Status Failed(const control_client::ControlClient& client, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), client.ErrorLine(status));
}

}  // namespace

absl::StatusOr<std::unique_ptr<control_client::ControlClient>> ControlActionSink::Connect() const {
  return control_client::ControlClient::Connect(target_);
}

absl::StatusOr<std::string> ControlActionSink::AddApiKey(const std::string& id,
                                                         const std::string& key) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::CreateAccountRequest request;
  request.set_account_id(id);
  request.mutable_api_key()->set_api_key(key);
  v1::Account account;
  const grpc::Status status =
      (*client)->accounts().CreateAccount((*client)->NewContext().get(), request, &account);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("added ", AccountId(account.name()), " (",
                      control_client::TypeName(account.type()), ")");
}

absl::StatusOr<std::string> ControlActionSink::ImportClaudeCode(const std::string& id) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::ImportClaudeCodeCredentialsRequest request;
  request.set_account_id(id);
  v1::Account account;
  const grpc::Status status = (*client)->accounts().ImportClaudeCodeCredentials(
      (*client)->NewContext().get(), request, &account);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("imported the Claude Code login as ", AccountId(account.name()));
}

absl::StatusOr<LoginStart> ControlActionSink::StartOAuthLogin(const std::string& id) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::StartOAuthLoginRequest request;
  request.set_account_id(id);
  v1::StartOAuthLoginResponse response;
  const grpc::Status status =
      (*client)->accounts().StartOAuthLogin((*client)->NewContext().get(), request, &response);
  if (!status.ok()) return Failed(**client, status);
  return LoginStart{response.login_id(), response.authorize_url()};
}

absl::StatusOr<std::string> ControlActionSink::CompleteOAuthLogin(const std::string& login_id,
                                                                  const std::string& code) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::CompleteOAuthLoginRequest request;
  request.set_login_id(login_id);
  request.set_code(code);
  v1::Account account;
  const grpc::Status status =
      (*client)->accounts().CompleteOAuthLogin((*client)->NewContext().get(), request, &account);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("logged in: ", AccountId(account.name()),
                      account.email().empty() ? "" : absl::StrCat(" (", account.email(), ")"));
}

absl::StatusOr<std::string> ControlActionSink::SetEnabled(const std::string& id, bool enabled) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(AccountResourceName(id));
  request.mutable_account()->set_enabled(enabled);
  request.mutable_update_mask()->add_paths("enabled");
  v1::Account account;
  const grpc::Status status =
      (*client)->accounts().UpdateAccount((*client)->NewContext().get(), request, &account);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat(enabled ? "enabled " : "disabled ", id);
}

absl::StatusOr<std::string> ControlActionSink::SetUsageCap(const std::string& id,
                                                           std::optional<double> cap) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name(AccountResourceName(id));
  if (cap) request.mutable_account()->set_usage_cap(*cap);
  request.mutable_update_mask()->add_paths("usage_cap");
  v1::Account account;
  const grpc::Status status =
      (*client)->accounts().UpdateAccount((*client)->NewContext().get(), request, &account);
  if (!status.ok()) return Failed(**client, status);
  if (!cap) return absl::StrCat("removed the usage cap of ", id);
  return absl::StrCat("usage cap of ", id, ": ", control_client::Percent(*cap));
}

absl::StatusOr<std::string> ControlActionSink::DeleteAccount(const std::string& id) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::DeleteAccountRequest request;
  request.set_name(AccountResourceName(id));
  v1::DeleteAccountResponse response;
  const grpc::Status status =
      (*client)->accounts().DeleteAccount((*client)->NewContext().get(), request, &response);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("deleted ", id);
}

absl::StatusOr<std::string> ControlActionSink::SetAutomatic() {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::UpdateRoutingPolicyRequest request;
  request.mutable_policy()->set_mode(v1::ROUTING_MODE_AUTOMATIC);
  request.mutable_update_mask()->add_paths("mode");
  v1::RoutingPolicy policy;
  const grpc::Status status =
      (*client)->routing().UpdateRoutingPolicy((*client)->NewContext().get(), request, &policy);
  if (!status.ok()) return Failed(**client, status);
  return "routing: automatic";
}

absl::StatusOr<std::string> ControlActionSink::SetPreferred(const std::string& id) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::UpdateRoutingPolicyRequest request;
  request.mutable_policy()->set_mode(v1::ROUTING_MODE_PREFERRED);
  request.mutable_policy()->set_preferred_account(AccountResourceName(id));
  request.mutable_update_mask()->add_paths("mode");
  request.mutable_update_mask()->add_paths("preferred_account");
  v1::RoutingPolicy policy;
  const grpc::Status status =
      (*client)->routing().UpdateRoutingPolicy((*client)->NewContext().get(), request, &policy);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("routing: preferred ", AccountId(policy.preferred_account()));
}

absl::StatusOr<std::string> ControlActionSink::ReloadConfig() {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::ReloadConfigResponse response;
  const grpc::Status status = (*client)->lifecycle().ReloadConfig(
      (*client)->NewContext().get(), v1::ReloadConfigRequest(), &response);
  if (!status.ok()) return Failed(**client, status);
  return absl::StrCat("config reloaded: ", response.accounts(), " accounts");
}

absl::StatusOr<std::string> ControlActionSink::Drain() {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client = Connect();
  if (!client.ok()) return client.status();
  v1::DrainResponse response;
  const grpc::Status status =
      (*client)->lifecycle().Drain((*client)->NewContext().get(), v1::DrainRequest(), &response);
  if (!status.ok()) return Failed(**client, status);
  if (response.already_draining()) return "already draining";
  return absl::StrCat("draining: ", response.in_flight(), " in flight");
}

}  // namespace maxpool::tui
