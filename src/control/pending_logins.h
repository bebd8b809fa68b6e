#pragma once

// The remote OAuth logins started by StartOAuthLogin and not yet completed: each one's PKCE
// session (secret: never logged or returned) and the account id it was started for, under a
// random login id, until it expires. At most `capacity` are kept; a new one evicts the oldest.
// Thread-safe: gRPC handlers call it concurrently.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "credentials/login_flow.h"

namespace maxpool::control {

struct PendingLogin {
  credentials::LoginSession session;  // secrets
  std::string account_id;             // "" = name the account after the login's email
  absl::Time expire_time;
};

struct StartedPendingLogin {
  std::string login_id;
  absl::Time expire_time;
};

class PendingLogins {
 public:
  using Now = std::function<absl::Time()>;

  static constexpr size_t kDefaultCapacity = 16;
  static constexpr absl::Duration kDefaultLifetime = absl::Minutes(10);

  explicit PendingLogins(size_t capacity = kDefaultCapacity,
                         absl::Duration lifetime = kDefaultLifetime, Now now = absl::Now);

  // Keeps `session` under a new login id (32 hex digits from the CSPRNG) until now + lifetime.
  // Error: Internal when the CSPRNG fails.
  absl::StatusOr<StartedPendingLogin> Add(credentials::LoginSession session, std::string account_id)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A copy of the login `login_id`; nullopt when unknown or expired (expired ones are dropped).
  std::optional<PendingLogin> Find(std::string_view login_id) ABSL_LOCKS_EXCLUDED(mu_);

  // Forgets `login_id` (a completed login). No-op when unknown.
  void Erase(std::string_view login_id) ABSL_LOCKS_EXCLUDED(mu_);

  // Logins kept now, expired ones not counted.
  size_t size() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void DropExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const absl::Duration lifetime_;
  const Now now_;
  absl::Mutex mu_;
  std::map<std::string, PendingLogin, std::less<>> logins_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maxpool::control
