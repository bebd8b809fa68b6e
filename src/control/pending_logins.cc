#include "control/pending_logins.h"

#include <openssl/rand.h>

#include <array>
#include <utility>

#include "absl/strings/escaping.h"

namespace maxpool::control {
namespace {

constexpr size_t kLoginIdBytes = 16;

absl::StatusOr<std::string> RandomLoginId() {
  std::array<unsigned char, kLoginIdBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("the system's random number generator failed; try again");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

PendingLogins::PendingLogins(size_t capacity, absl::Duration lifetime, Now now)
    : capacity_(capacity == 0 ? 1 : capacity), lifetime_(lifetime), now_(std::move(now)) {}

absl::StatusOr<StartedPendingLogin> PendingLogins::Add(credentials::LoginSession session,
                                                       std::string account_id) {
  absl::StatusOr<std::string> id = RandomLoginId();
  if (!id.ok()) return id.status();
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  DropExpired(now);
  while (logins_.size() >= capacity_) {
    auto oldest = logins_.begin();
    for (auto it = logins_.begin(); it != logins_.end(); ++it) {
      if (it->second.expire_time < oldest->second.expire_time) oldest = it;
    }
    logins_.erase(oldest);
  }
  PendingLogin login;
  login.session = std::move(session);
  login.account_id = std::move(account_id);
  login.expire_time = now + lifetime_;
  StartedPendingLogin started{*id, login.expire_time};
  logins_.insert_or_assign(*std::move(id), std::move(login));
  return started;
}

std::optional<PendingLogin> PendingLogins::Find(std::string_view login_id) {
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  DropExpired(now);
  auto it = logins_.find(login_id);
  if (it == logins_.end()) return std::nullopt;
  return it->second;
}

void PendingLogins::Erase(std::string_view login_id) {
  absl::MutexLock lock(&mu_);
  auto it = logins_.find(login_id);
  if (it != logins_.end()) logins_.erase(it);
}

size_t PendingLogins::size() {
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  DropExpired(now);
  return logins_.size();
}

void PendingLogins::DropExpired(absl::Time now) {
  for (auto it = logins_.begin(); it != logins_.end();) {
    if (it->second.expire_time <= now) {
      it = logins_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace maxpool::control
