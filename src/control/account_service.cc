#include "control/account_service.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "config/account_upsert.h"
#include "control/account_catalog.h"
#include "control/account_input.h"
#include "control/config_file.h"
#include "control/grpc_status.h"
#include "control/input_limits.h"
#include "control/page_token.h"
#include "control/resource_name.h"
#include "core/absl_view.h"
#include "credentials/claude_code_credentials.h"
#include "credentials/login_flow.h"
#include "credentials/redact.h"
#include "google/protobuf/util/time_util.h"

namespace maxpool::control {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::string_view kAccountsList = "accounts";
// The account name of an import whose profile cannot be read (as `maxpool import`).
constexpr std::string_view kImportFallbackName = "claude-code";

// A status of a lower layer, with any secret its message might quote masked.
grpc::Status Redacted(grpc::StatusCode code, absl::string_view message) {
  return grpc::Status(code, credentials::Redact(core::StdView(message)));
}
grpc::Status Redacted(const absl::Status& status) {
  return Redacted(ToGrpcStatus(status).error_code(), status.message());
}

// A failed read-modify-write of the config file: the file (invalid, unwritable) is the server's
// state, not the caller's input.
grpc::Status StoreError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnavailable:
      return Redacted(status);
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return Redacted(grpc::StatusCode::FAILED_PRECONDITION,
                      absl::StrCat("the config file cannot be changed: ", status.message()));
    default:
      return Redacted(grpc::StatusCode::INTERNAL,
                      absl::StrCat("the config file cannot be changed: ", status.message()));
  }
}

grpc::Status NotFound(const std::string& id) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      absl::StrCat("no account named \"", id,
                                   "\"; `maxpool accounts` (or ListAccounts) lists them"));
}

grpc::Status LoginUnavailable() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "OAuth login is not available on this server");
}

// The id of `name`, or INVALID_ARGUMENT on `field`.
grpc::Status ParseName(const std::string& name, const std::string& field, std::string& id) {
  absl::StatusOr<std::string> parsed = ParseAccountName(name);
  if (!parsed.ok()) return InvalidArgument(field, std::string(parsed.status().message()));
  id = *std::move(parsed);
  return grpc::Status::OK;
}

const char* TypeText(v1::AccountType type) {
  switch (type) {
    case v1::ACCOUNT_TYPE_API_KEY:
      return "an API-key account";
    case v1::ACCOUNT_TYPE_PROVIDER:
      return "a provider account";
    default:
      return "not an OAuth account";
  }
}

}  // namespace

AccountService::AccountService(const ControlEnv& env, std::shared_ptr<ControlCalls> calls,
                               std::shared_ptr<ControlWrites> writes)
    : env_(env), calls_(std::move(calls)), writes_(std::move(writes)) {}

AccountService::AccountService(const ControlEnv& env)
    : AccountService(env, std::make_shared<ControlCalls>(*env.auth),
                     std::make_shared<ControlWrites>(*env.store, *env.hooks)) {}

// The handlers: each names its method for ControlCalls, which checks the caller and runs the
// body off gRPC's threads.

grpc::ServerUnaryReactor* AccountService::ListAccounts(grpc::CallbackServerContext* context,
                                                       const v1::ListAccountsRequest* request,
                                                       v1::ListAccountsResponse* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.ListAccounts",
                       [this, request, response] { return List(request, response); });
}

grpc::ServerUnaryReactor* AccountService::GetAccount(grpc::CallbackServerContext* context,
                                                     const v1::GetAccountRequest* request,
                                                     v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.GetAccount",
                       [this, request, response] { return Get(request, response); });
}

grpc::ServerUnaryReactor* AccountService::CreateAccount(grpc::CallbackServerContext* context,
                                                        const v1::CreateAccountRequest* request,
                                                        v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.CreateAccount",
                       [this, request, response] { return Create(request, response); });
}

grpc::ServerUnaryReactor* AccountService::UpdateAccount(grpc::CallbackServerContext* context,
                                                        const v1::UpdateAccountRequest* request,
                                                        v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.UpdateAccount",
                       [this, request, response] { return Update(request, response); });
}

grpc::ServerUnaryReactor* AccountService::DeleteAccount(grpc::CallbackServerContext* context,
                                                        const v1::DeleteAccountRequest* request,
                                                        v1::DeleteAccountResponse* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.DeleteAccount",
                       [this, request, response] { return Delete(request, response); });
}

grpc::ServerUnaryReactor* AccountService::RefreshAccountCredentials(
    grpc::CallbackServerContext* context, const v1::RefreshAccountCredentialsRequest* request,
    v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.RefreshAccountCredentials",
                       [this, request, response] { return Refresh(request, response); });
}

grpc::ServerUnaryReactor* AccountService::ImportClaudeCodeCredentials(
    grpc::CallbackServerContext* context, const v1::ImportClaudeCodeCredentialsRequest* request,
    v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.ImportClaudeCodeCredentials",
                       [this, request, response] { return Import(request, response); });
}

grpc::ServerUnaryReactor* AccountService::StartOAuthLogin(grpc::CallbackServerContext* context,
                                                          const v1::StartOAuthLoginRequest* request,
                                                          v1::StartOAuthLoginResponse* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.StartOAuthLogin",
                       [this, request, response] { return StartLogin(request, response); });
}

grpc::ServerUnaryReactor* AccountService::CompleteOAuthLogin(
    grpc::CallbackServerContext* context, const v1::CompleteOAuthLoginRequest* request,
    v1::Account* response) {
  return calls_->Unary(context, "maxpool.v1.AccountService.CompleteOAuthLogin",
                       [this, request, response] { return CompleteLogin(request, response); });
}

grpc::Status AccountService::LoadConfig(v1::Config& config) {
  return LoadConfigFile(*env_.store, config);
}

grpc::Status AccountService::Reply(const std::string& id, v1::Account& response) {
  v1::Config config;
  if (grpc::Status status = LoadConfig(config); !status.ok()) return status;
  const absl::Time now = absl::Now();
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, now);
  if (const v1::Account* account = catalog.Find(id)) {
    response = *account;
    return grpc::Status::OK;
  }
  if (std::optional<v1::Account> entry = EntryView(config, id, *env_.pool, now)) {
    response = *std::move(entry);
    return grpc::Status::OK;
  }
  return NotFound(id);
}

grpc::Status AccountService::List(const v1::ListAccountsRequest* request,
                                  v1::ListAccountsResponse* response) {
  absl::StatusOr<int> page_size =
      EffectivePageSize(request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) {
    return InvalidArgument("page_size",
                           absl::StrCat(page_size.status().message(), " (0 for the default, ",
                                        kDefaultPageSize, "; at most ", kMaxPageSize, ")"));
  }
  absl::StatusOr<std::string> after = DecodePageToken(kAccountsList, request->page_token());
  if (!after.ok()) return InvalidArgument("page_token", std::string(after.status().message()));

  v1::Config config;
  // A config file that cannot be read does not hide the live pool: its accounts are listed
  // without what only the file knows (display names, identity, expiry).
  if (!LoadConfig(config).ok()) config.Clear();
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, absl::Now());
  size_t start = 0;
  if (!after->empty()) {
    std::optional<size_t> index = catalog.IndexOf(*after);
    if (!index.has_value()) {
      return InvalidArgument("page_token",
                             "the account this page continues after has left the pool; list "
                             "again from the first page");
    }
    start = *index + 1;
  }
  const size_t total = catalog.accounts().size();
  const size_t end = std::min(total, start + static_cast<size_t>(*page_size));
  for (size_t i = start; i < end; ++i) *response->add_accounts() = catalog.accounts()[i];
  if (end < total && end > start) {
    response->set_next_page_token(EncodePageToken(kAccountsList, catalog.ids()[end - 1]));
  }
  response->set_total_size(static_cast<int32_t>(total));
  return grpc::Status::OK;
}

grpc::Status AccountService::Get(const v1::GetAccountRequest* request, v1::Account* response) {
  std::string id;
  if (grpc::Status status = ParseName(request->name(), "name", id); !status.ok()) return status;
  v1::Config config;
  if (!LoadConfig(config).ok()) config.Clear();  // as in ListAccounts
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, absl::Now());
  const v1::Account* account = catalog.Find(id);
  if (account == nullptr) return NotFound(id);
  *response = *account;
  return grpc::Status::OK;
}

grpc::Status AccountService::Create(const v1::CreateAccountRequest* request,
                                    v1::Account* response) {
  v1::AccountConfig entry;
  if (grpc::Status status = CheckCreateAccount(*request, entry); !status.ok()) return status;
  const std::string& id = request->account_id();
  const grpc::Status taken(
      grpc::StatusCode::ALREADY_EXISTS,
      absl::StrCat("an account named \"", id,
                   "\" already exists; choose another account_id, or change that account with "
                   "UpdateAccount"));
  for (const core::Account& account : env_.pool->Snapshot()) {
    if (account.settings.name == id) return taken;
  }
  // A subscription login: its profile gives the identity that later logins and refreshes match
  // it by. Best effort: the tokens are kept without it.
  if (entry.type() == "oauth" && env_.login_flow != nullptr) {
    absl::StatusOr<credentials::Profile> profile =
        env_.login_flow->FetchProfile(entry.access_token());
    if (profile.ok()) {
      if (!profile->uuid.empty()) entry.set_account_uuid(profile->uuid);
      if (!profile->email.empty()) entry.set_email(profile->email);
      if (!profile->organization_name.empty()) entry.set_organization(profile->organization_name);
    }
  }
  grpc::Status status = writes_->Write(
      {.edit = [&](v1::Config& config) -> grpc::Status {
         if (ConfigNameTaken(config, id)) return taken;
         if (!entry.account_uuid().empty()) {
           if (std::optional<int> same = config::FindAccount(config, entry.account_uuid(), "")) {
             return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                 absl::StrCat("these tokens belong to the Anthropic account of \"",
                                              PoolNameOf(config, *same),
                                              "\"; one account per login (refresh it with "
                                              "RefreshAccountCredentials, or delete it first)"));
           }
         }
         *config.add_accounts() = entry;
         return grpc::Status::OK;
       },
       .store_error = StoreError,
       .apply = {}});
  if (!status.ok()) return status;
  return Reply(id, *response);
}

grpc::Status AccountService::Update(const v1::UpdateAccountRequest* request,
                                    v1::Account* response) {
  AccountChange change;
  if (grpc::Status status = CheckUpdateAccount(*request, change); !status.ok()) return status;
  const std::string& id = change.id;
  v1::Config config;
  if (grpc::Status status = LoadConfig(config); !status.ok()) return status;
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, absl::Now());
  if (catalog.Find(id) == nullptr) return NotFound(id);
  if (!FindEntry(config, id).has_value()) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("account \"", id,
                     "\" is not an entry of the config file's accounts[] (it comes from "
                     "providers[] or from request headers, or it was deleted and leaves once its "
                     "requests finish); change it where it is defined"));
  }
  grpc::Status status =
      writes_->Write({.edit = [&](v1::Config& file) -> grpc::Status {
                        std::optional<int> index = FindEntry(file, id);
                        if (!index.has_value()) return NotFound(id);
                        ApplyAccountChange(change, *file.mutable_accounts(*index));
                        return grpc::Status::OK;
                      },
                      .store_error = StoreError,
                      .apply = {}});
  if (!status.ok()) return status;
  return Reply(id, *response);
}

grpc::Status AccountService::Delete(const v1::DeleteAccountRequest* request,
                                    v1::DeleteAccountResponse* response) {
  std::string id;
  if (grpc::Status status = ParseName(request->name(), "name", id); !status.ok()) return status;
  v1::Config config;
  if (grpc::Status status = LoadConfig(config); !status.ok()) return status;
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, absl::Now());
  const v1::Account* live = catalog.Find(id);
  const bool in_file = FindEntry(config, id).has_value();
  if (live == nullptr && !in_file) return NotFound(id);
  if (!in_file) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("account \"", id,
                     "\" is not an entry of the config file's accounts[] (it comes from "
                     "providers[] or from request headers, or it was deleted already and leaves "
                     "once its ",
                     live->in_flight(), " request(s) in flight finish)"));
  }
  if (live != nullptr && live->in_flight() > 0 && !request->force()) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("account \"", id, "\" has ", live->in_flight(),
                     " request(s) in flight; pass force=true to delete it now (they finish, new "
                     "requests go elsewhere), or disable it first (UpdateAccount enabled=false) "
                     "and delete it once idle"));
  }
  grpc::Status status =
      writes_->Write({.edit = [&](v1::Config& file) -> grpc::Status {
                        std::optional<int> index = FindEntry(file, id);
                        if (!index.has_value()) return NotFound(id);
                        // Entries without a name are known by their position ("account-<n>"): the
                        // later ones keep their names by getting them written down before this
                        // entry leaves.
                        for (int i = *index + 1; i < file.accounts_size(); ++i) {
                          if (!file.accounts(i).has_name()) {
                            file.mutable_accounts(i)->set_name(PoolNameOf(file, i));
                          }
                        }
                        file.mutable_accounts()->DeleteSubrange(*index, 1);
                        return grpc::Status::OK;
                      },
                      .store_error = StoreError,
                      .apply = {}});
  if (!status.ok()) return status;
  int32_t in_flight = 0;
  for (const core::Account& account : env_.pool->Snapshot()) {
    if (account.settings.name == id) in_flight = account.state.in_flight;
  }
  response->set_in_flight(in_flight);
  return grpc::Status::OK;
}

grpc::Status AccountService::Refresh(const v1::RefreshAccountCredentialsRequest* request,
                                     v1::Account* response) {
  std::string id;
  if (grpc::Status status = ParseName(request->name(), "name", id); !status.ok()) return status;
  v1::Config config;
  if (grpc::Status status = LoadConfig(config); !status.ok()) return status;
  const AccountCatalog catalog = AccountCatalog::Capture(*env_.pool, config, absl::Now());
  const v1::Account* account = catalog.Find(id);
  if (account == nullptr) return NotFound(id);
  if (account->type() != v1::ACCOUNT_TYPE_OAUTH) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("account \"", id, "\" is ", TypeText(account->type()),
                                     ": only OAuth (subscription) accounts have tokens to "
                                     "refresh"));
  }
  if (!account->credential().refreshable()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("account \"", id,
                                     "\" has no refresh token; log in again (StartOAuthLogin) "
                                     "to give it one"));
  }
  absl::StatusOr<credentials::TokenSet> refreshed = env_.hooks->RefreshNow(id);
  if (!refreshed.ok()) {
    if (absl::IsNotFound(refreshed.status())) {
      return Redacted(grpc::StatusCode::FAILED_PRECONDITION,
                      absl::StrCat("account \"", id,
                                   "\" cannot be refreshed now: ", refreshed.status().message()));
    }
    return Redacted(refreshed.status());
  }
  return Reply(id, *response);
}

grpc::Status AccountService::Import(const v1::ImportClaudeCodeCredentialsRequest* request,
                                    v1::Account* response) {
  std::vector<FieldViolation> violations;
  if (!request->account_id().empty()) {
    if (absl::Status id = CheckAccountId(request->account_id()); !id.ok()) {
      violations.push_back({"account_id", std::string(id.message())});
    }
  }
  std::filesystem::path path;
  if (request->path().empty()) {
    path = credentials::DefaultClaudeCodeCredentialsPath(env_.env);
  } else {
    path = request->path();
    if (request->path().size() > kMaxPathBytes) {
      violations.push_back({"path", LongerThan(kMaxPathBytes)});
    } else if (HasControlCharacter(request->path())) {
      violations.push_back({"path", "must not contain control characters"});
    } else if (!path.is_absolute()) {
      violations.push_back(
          {"path", "must be an absolute path on the server's machine (or empty for the default)"});
    }
  }
  if (!violations.empty()) return InvalidArgument(violations);

  // The file is the server's state: any problem with it is FAILED_PRECONDITION (INTERNAL only
  // for an I/O error the message cannot explain).
  absl::StatusOr<credentials::ImportedCredentials> imported =
      credentials::ReadClaudeCodeCredentials(path);
  if (!imported.ok()) {
    return Redacted(absl::IsInternal(imported.status()) ? grpc::StatusCode::INTERNAL
                                                        : grpc::StatusCode::FAILED_PRECONDITION,
                    imported.status().message());
  }
  credentials::LoggedInAccount account;
  account.tokens = imported->tokens;
  std::optional<std::string> name;
  if (!request->account_id().empty()) name = request->account_id();
  bool have_profile = false;
  if (env_.login_flow != nullptr) {
    absl::StatusOr<credentials::Profile> profile =
        env_.login_flow->FetchProfile(account.tokens.access_token);
    if (profile.ok()) {
      account.profile = *std::move(profile);
      have_profile = true;
    }
  }
  if (!have_profile && !name.has_value()) name = std::string(kImportFallbackName);
  std::string saved_name;
  grpc::Status status = writes_->WritePersisted([&]() -> grpc::Status {
    absl::StatusOr<credentials::SavedAccount> saved =
        credentials::SaveLoggedInAccount(*env_.store, account, "import", name);
    if (!saved.ok()) {
      if (absl::IsAlreadyExists(saved.status())) {
        return Redacted(grpc::StatusCode::ALREADY_EXISTS,
                        absl::StrCat(saved.status().message(), "; choose another account_id"));
      }
      return StoreError(saved.status());
    }
    saved_name = saved->name;
    return grpc::Status::OK;
  });
  if (!status.ok()) return status;
  return Reply(saved_name, *response);
}

grpc::Status AccountService::StartLogin(const v1::StartOAuthLoginRequest* request,
                                        v1::StartOAuthLoginResponse* response) {
  if (!request->account_id().empty()) {
    if (absl::Status id = CheckAccountId(request->account_id()); !id.ok()) {
      return InvalidArgument("account_id", std::string(id.message()));
    }
  }
  if (env_.login_flow == nullptr) return LoginUnavailable();
  credentials::LoginStartOptions options;
  options.redirect = credentials::LoginStartOptions::Redirect::kManual;
  absl::StatusOr<credentials::StartedLogin> started = env_.login_flow->Start(options);
  if (!started.ok()) {
    // An unusable authorize URL is the server's oauth config, not the request.
    return Redacted(absl::IsInvalidArgument(started.status())
                        ? grpc::StatusCode::FAILED_PRECONDITION
                        : ToGrpcStatus(started.status()).error_code(),
                    absl::StrCat("cannot start the login: ", started.status().message()));
  }
  absl::StatusOr<StartedPendingLogin> pending =
      logins_.Add(std::move(started->session), request->account_id());
  if (!pending.ok()) return Redacted(pending.status());
  response->set_login_id(pending->login_id);
  response->set_authorize_url(started->authorize_url);
  *response->mutable_expire_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(pending->expire_time));
  return grpc::Status::OK;
}

grpc::Status AccountService::CompleteLogin(const v1::CompleteOAuthLoginRequest* request,
                                           v1::Account* response) {
  std::vector<FieldViolation> violations;
  if (request->login_id().empty()) {
    violations.push_back({"login_id", "is required: the login_id StartOAuthLogin returned"});
  }
  bool blank_code = true;
  for (const char c : request->code()) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') blank_code = false;
  }
  if (request->code().size() > kMaxCredentialBytes) {
    violations.push_back({"code", LongerThan(kMaxCredentialBytes)});
  } else if (blank_code) {
    violations.push_back({"code", "is required: paste what the sign-in page showed (code#state)"});
  }
  if (!violations.empty()) return InvalidArgument(violations);
  if (env_.login_flow == nullptr) return LoginUnavailable();

  std::optional<PendingLogin> login = logins_.Find(request->login_id());
  if (!login.has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no pending login with this login_id: it is unknown, "
                                     "completed already, or expired (a login is kept ",
                                     absl::FormatDuration(PendingLogins::kDefaultLifetime),
                                     "); start a new one with StartOAuthLogin"));
  }
  absl::StatusOr<credentials::LoggedInAccount> account =
      env_.login_flow->CompletePasted(login->session, request->code());
  if (!account.ok()) {
    const absl::Status& error = account.status();
    if (absl::IsInvalidArgument(error) || absl::IsFailedPrecondition(error) ||
        absl::IsPermissionDenied(error)) {
      // The code was malformed, of another login, or refused by the token endpoint.
      return InvalidArgument("code", credentials::Redact(core::StdView(error.message())));
    }
    return Redacted(error);
  }
  // The authorization code is spent: this login cannot complete again.
  logins_.Erase(request->login_id());
  std::optional<std::string> name;
  if (!login->account_id.empty()) name = login->account_id;
  std::string saved_name;
  grpc::Status status = writes_->WritePersisted([&]() -> grpc::Status {
    absl::StatusOr<credentials::SavedAccount> saved =
        credentials::SaveLoggedInAccount(*env_.store, *account, "login", name);
    if (!saved.ok()) {
      if (absl::IsAlreadyExists(saved.status())) {
        return Redacted(grpc::StatusCode::ALREADY_EXISTS,
                        absl::StrCat("signed in, but ", saved.status().message(),
                                     "; start a new login with another account_id"));
      }
      return StoreError(saved.status());
    }
    saved_name = saved->name;
    return grpc::Status::OK;
  });
  if (!status.ok()) return status;
  return Reply(saved_name, *response);
}

}  // namespace maxpool::control
