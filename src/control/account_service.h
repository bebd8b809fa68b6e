#pragma once

// maxpool.v1.AccountService (proto/maxpool/v1/accounts.proto) on the live pool: the accounts of
// the pool joined with the config file (AccountCatalog); every change written to the config file
// through the ConfigStore (atomic, serialised with the CLI's writes) and applied to the live pool
// (ServerHooks::ApplyConfig) before the response, so the answer reflects it.
//
// Every call goes through ControlCalls (the control token checked against method_access.h, the
// body run on a worker thread) and every change through ControlWrites (config file, then pool).
//
// Which accounts each call sees:
//   * List and Get show the accounts of the live pool, in pool order (an account deleted with
//     force stays, disabled, until its requests finish);
//   * Update needs an account of the pool that has an `accounts[]` entry: FAILED_PRECONDITION for
//     `providers[]` and header-created accounts, which the config file does not hold as entries;
//   * Delete takes an account of the pool or an `accounts[]` entry the pool does not run (one
//     without its credential).
//
// Errors of the server's own state or files are FAILED_PRECONDITION: no OAuth login on this
// server, a Claude Code credentials file that is missing, unreadable or malformed (import), an
// account that cannot be refreshed. A config file that cannot be loaded fails every change with
// FAILED_PRECONDITION (the message says what to fix; nothing is written), while List and Get
// still answer from the live pool, without what only the file knows (display names, identity,
// expiry).
//
// Secrets: requests may carry keys, tokens and codes; no response, error message or log line
// ever contains one (error texts of lower layers go through credentials::Redact).
//
// Thread safety: the gRPC sync server calls the handlers concurrently. Each change holds one
// mutex from its config write until the pool has it, so that concurrent changes reach the pool
// in the order they were written (an older config is never applied after a newer one). Slow
// calls (profile reads, token exchanges, refreshes) run outside it. The pending logins have
// their own mutex.

#include <memory>

#include "control/control_calls.h"
#include "control/control_env.h"
#include "control/control_writes.h"
#include "control/pending_logins.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "maxpool/v1/accounts.grpc.pb.h"

namespace maxpool::control {

class AccountService final : public v1::AccountService::CallbackService {
 public:
  // Pages of ListAccounts.
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;

  // `env` is copied; what its pointers point to must outlive the service. env.login_flow may be
  // null (remote login then answers FAILED_PRECONDITION). `calls` and `writes` are shared with
  // the other services.
  AccountService(const ControlEnv& env, std::shared_ptr<ControlCalls> calls,
                 std::shared_ptr<ControlWrites> writes);
  // A service with an entry point and a write path of its own (a server of this service alone).
  explicit AccountService(const ControlEnv& env);

  grpc::ServerUnaryReactor* ListAccounts(grpc::CallbackServerContext* context,
                                         const v1::ListAccountsRequest* request,
                                         v1::ListAccountsResponse* response) override;
  grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* context,
                                       const v1::GetAccountRequest* request,
                                       v1::Account* response) override;
  grpc::ServerUnaryReactor* CreateAccount(grpc::CallbackServerContext* context,
                                          const v1::CreateAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* UpdateAccount(grpc::CallbackServerContext* context,
                                          const v1::UpdateAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(grpc::CallbackServerContext* context,
                                          const v1::DeleteAccountRequest* request,
                                          v1::DeleteAccountResponse* response) override;
  grpc::ServerUnaryReactor* RefreshAccountCredentials(
      grpc::CallbackServerContext* context, const v1::RefreshAccountCredentialsRequest* request,
      v1::Account* response) override;
  grpc::ServerUnaryReactor* ImportClaudeCodeCredentials(
      grpc::CallbackServerContext* context, const v1::ImportClaudeCodeCredentialsRequest* request,
      v1::Account* response) override;
  grpc::ServerUnaryReactor* StartOAuthLogin(grpc::CallbackServerContext* context,
                                            const v1::StartOAuthLoginRequest* request,
                                            v1::StartOAuthLoginResponse* response) override;
  grpc::ServerUnaryReactor* CompleteOAuthLogin(grpc::CallbackServerContext* context,
                                               const v1::CompleteOAuthLoginRequest* request,
                                               v1::Account* response) override;

 private:
  // The bodies of the handlers above, on a worker thread once the caller is authorized.
  grpc::Status List(const v1::ListAccountsRequest* request, v1::ListAccountsResponse* response);
  grpc::Status Get(const v1::GetAccountRequest* request, v1::Account* response);
  grpc::Status Create(const v1::CreateAccountRequest* request, v1::Account* response);
  grpc::Status Update(const v1::UpdateAccountRequest* request, v1::Account* response);
  grpc::Status Delete(const v1::DeleteAccountRequest* request, v1::DeleteAccountResponse* response);
  grpc::Status Refresh(const v1::RefreshAccountCredentialsRequest* request, v1::Account* response);
  grpc::Status Import(const v1::ImportClaudeCodeCredentialsRequest* request, v1::Account* response);
  grpc::Status StartLogin(const v1::StartOAuthLoginRequest* request,
                          v1::StartOAuthLoginResponse* response);
  grpc::Status CompleteLogin(const v1::CompleteOAuthLoginRequest* request, v1::Account* response);

  // The config file as it is now. Error: FAILED_PRECONDITION with the loader's message.
  grpc::Status LoadConfig(v1::Config& config);
  // The account `id` as Get shows it, after a change; falls back to its config entry when the
  // pool does not run it.
  grpc::Status Reply(const std::string& id, v1::Account& response);

  const ControlEnv env_;
  const std::shared_ptr<ControlCalls> calls_;
  const std::shared_ptr<ControlWrites> writes_;
  PendingLogins logins_;
};

}  // namespace maxpool::control
